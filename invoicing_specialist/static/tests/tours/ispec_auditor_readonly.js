/* An auditor opens every Invoicing Control menu, then an invoice, a bill and a dispute: each reads,
 * none offers a way to change it (no Save, no editable field, no button that acts on it). */
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";
import { CONTROL_MENU } from "@invoicing_specialist/../tests/tours/ispec_tour_steps";

// Menus the auditor must find among those opened (more may come; all are opened).
const EXPECTED_MENUS = [
    "invoicing_specialist.account_move_match_menu",
    "invoicing_specialist.ispec_match_override_menu",
    "invoicing_specialist.account_move_held_menu",
    "invoicing_specialist.ispec_dispute_menu",
    "invoicing_specialist.ispec_activity_dispute_analysis_menu",
    "invoicing_specialist.ispec_activity_report_menu",
    "invoicing_specialist.ispec_audit_schedule_menu",
    "invoicing_specialist.ispec_statement_run_menu",
    "invoicing_specialist.ispec_statement_wizard_menu",
    "invoicing_specialist.ispec_audit_export_menu",
];
// Buttons that would change an invoice, a bill or a dispute.
const ACTING_BUTTONS = [
    "action_post", "action_register_payment", "action_reverse", "button_draft", "button_cancel",
    "action_ispec_open_dispute", "action_ispec_match_override", "action_ispec_match_recheck",
    "action_open", "action_review", "action_accept", "action_reject", "action_write_off", "action_cancel",
].map((name) => `button[name="${name}"]`).join(", ");

function readOnlySteps(what) {
    return [
        {
            content: `The ${what} opens read-only`,
            trigger: ".o_form_view .o_form_readonly",
        },
        {
            content: `No Save on the ${what}`,
            trigger: ".o_form_view:not(:has(.o_form_button_save)):not(:has(.o_form_button_create))",
        },
        {
            content: `No editable field on the ${what}`,
            trigger: `.o_form_view .o_form_sheet_bg:not(:has(.o_field_widget input:not([type="checkbox"]):not([readonly]))):not(:has(.o_field_widget textarea:not([readonly])))`,
        },
        {
            content: `No button that acts on the ${what}`,
            trigger: `.o_form_view .o_form_statusbar:not(:has(${ACTING_BUTTONS}))`,
        },
    ];
}

registry.category("web_tour.tours").add("ispec_auditor_readonly", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("account.menu_finance", "Open the Invoicing app"),
        {
            content: "Open every Invoicing Control menu in turn",
            trigger: CONTROL_MENU,
            timeout: 60000,
            async run({ click, queryAll, queryFirst, waitFor, waitUntil }) {
                await click(CONTROL_MENU);
                await waitFor(".dropdown-menu .dropdown-item[data-menu-xmlid]", { timeout: 10000 });
                const items = queryAll(".dropdown-menu .dropdown-item[data-menu-xmlid]").map((item) => ({
                    xmlid: item.dataset.menuXmlid,
                    name: item.textContent.trim(),
                }));
                await click(CONTROL_MENU); // close it again
                const missing = EXPECTED_MENUS.filter((xmlid) => !items.some((item) => item.xmlid === xmlid));
                if (missing.length) {
                    throw new Error(`Invoicing Control menus missing for the auditor: ${missing.join(", ")}`);
                }
                for (const { xmlid, name } of items) {
                    const before = queryFirst(".o_action_manager > .o_action");
                    await click(CONTROL_MENU);
                    await waitFor(`.dropdown-item[data-menu-xmlid="${xmlid}"]`, { timeout: 10000 });
                    await click(`.dropdown-item[data-menu-xmlid="${xmlid}"]`);
                    // Loaded: a new action replaces the previous one, or a dialog opens (the statement wizard).
                    await waitUntil(
                        () =>
                            queryFirst(".o_error_dialog") ||
                            (!queryFirst(".o_loading_indicator") &&
                                (queryFirst(".modal .modal-body") ||
                                    (queryFirst(".o_action_manager > .o_action") &&
                                        queryFirst(".o_action_manager > .o_action") !== before))),
                        { timeout: 15000 }
                    );
                    if (queryFirst(".o_error_dialog")) {
                        throw new Error(`The menu ${name} (${xmlid}) shows an error to the auditor`);
                    }
                    const dialogClose = queryFirst(".modal .modal-footer button[special='cancel'], .modal .btn-close");
                    if (dialogClose) {
                        await click(dialogClose);
                        await waitUntil(() => !queryFirst(".modal"), { timeout: 10000 });
                    }
                    console.log(`auditor opened ${xmlid}`);
                }
            },
        },
        // The invoice
        {
            content: "Open the customers menu",
            trigger: '.o_main_navbar [data-menu-xmlid="account.menu_finance_receivables"]',
            run: "click",
        },
        {
            trigger: '.dropdown-item[data-menu-xmlid="account.menu_action_move_out_invoice_type"]',
            run: "click",
        },
        {
            content: "Open the posted invoice",
            trigger: '.o_view_controller.o_list_view .o_data_row:contains("690.00") td.o_data_cell:eq(1)',
            run: "click",
        },
        ...readOnlySteps("invoice"),
        // The bill, from the worklist
        {
            trigger: CONTROL_MENU,
            run: "click",
        },
        {
            trigger: '.dropdown-item[data-menu-xmlid="invoicing_specialist.account_move_match_menu"]',
            run: "click",
        },
        {
            trigger: '.o_group_header:contains("Tour Bolt Supplies")',
            run: "click",
        },
        {
            trigger: '.o_group_header:contains("Billed more than received")',
            run: "click",
        },
        {
            content: "Open the held bill",
            trigger: '.o_data_row:contains("TOUR-BILL-1") td.o_data_cell:eq(1)',
            run: "click",
        },
        {
            content: "The auditor sees why it is held",
            trigger: '.alert-warning:contains("This bill does not match its purchase order")',
        },
        ...readOnlySteps("bill"),
        // The dispute
        {
            trigger: CONTROL_MENU,
            run: "click",
        },
        {
            trigger: '.dropdown-item[data-menu-xmlid="invoicing_specialist.ispec_dispute_menu"]',
            run: "click",
        },
        {
            content: "Open the dispute",
            trigger: '.o_view_controller.o_list_view .o_data_row:contains("Price differs from agreement") td.o_data_cell:eq(0)',
            run: "click",
        },
        {
            trigger: '.o_form_view .o_statusbar_status button.o_arrow_button_current:contains("Open")',
        },
        ...readOnlySteps("dispute"),
    ],
});
