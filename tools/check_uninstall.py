"""After uninstalling the addon from the demo database: the payment blocks it set are released, the
invoices it took out of follow-up are back in, and a block a person set by hand is still there.

Usage: check_uninstall.py DB HELD_IDS HAND_BLOCKED_IDS DISPUTED_LINE_IDS (comma-separated ids, taken before)."""
import subprocess
import sys


def ids(text):
    return [int(part) for part in text.split(",") if part.strip()]


def query(db, sql, id_list):
    """Rows of ``sql`` (read from stdin, so that psql binds :'ids' as a quoted literal) for the given ids."""
    out = subprocess.run(["psql", "-d", db, "-tA", "-v", "ids={%s}" % ",".join(map(str, id_list))],
                         input=sql, check=True, capture_output=True, text=True).stdout
    return [line.split("|") for line in out.splitlines() if line]


def main(db, held, hand, lines):
    held, hand, lines = ids(held), ids(hand), ids(lines)
    problems = []
    if not (held and hand and lines):
        problems.append(f"the demo must hold a bill, block one by hand and dispute an invoice "
                        f"(found {len(held)}, {len(hand)}, {len(lines)})")
    states = dict(query(db, "SELECT id, payment_state FROM account_move WHERE id = ANY(:'ids'::int[])", held + hand))
    problems += [f"bill {i} held by the addon is still blocked" for i in held if states.get(str(i)) == "blocked"]
    problems += [f"bill {i} blocked by hand was released" for i in hand if states.get(str(i)) != "blocked"]
    flags = dict(query(db, "SELECT id, no_followup FROM account_move_line WHERE id = ANY(:'ids'::int[])", lines))
    problems += [f"receivable line {i} is still out of follow-up" for i in lines if flags.get(str(i)) != "f"]
    print(f"uninstall: {len(held)} held bill(s) released, {len(hand)} hand-blocked bill(s) kept, "
          f"{len(lines)} disputed receivable line(s) back in follow-up" if not problems else "\n".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
