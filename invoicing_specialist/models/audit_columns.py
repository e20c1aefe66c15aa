"""The columns of an audit dataset: a name (the CSV header and the manifest's key), a label (the sheet's header,
translated) and the type the writer writes its values as."""

from collections import namedtuple

TEXT, DATE, DATETIME, AMOUNT, INTEGER = "text", "date", "datetime", "amount", "integer"
COLUMN_TYPES = (TEXT, DATE, DATETIME, AMOUNT, INTEGER)

# ``total``: the column is summed into the dataset's control totals (amounts and integers only).
# ``currency``: for an amount in a document's currency, the name of the column holding that currency's code
# (the amount is then written with that currency's decimals); None for company-currency amounts.
Column = namedtuple("Column", "name label type total currency", defaults=(TEXT, False, None))
