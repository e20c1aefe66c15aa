/* An auditor creates an audit export for a period with the datasets asked for, generates the package,
 * and finds it done with its Download button. */
import { registry } from "@web/core/registry";
import { openControlMenu } from "@invoicing_specialist/../tests/tours/ispec_tour_steps";

registry.category("web_tour.tours").add("ispec_audit_export", {
    url: "/odoo",
    steps: () => [
        ...openControlMenu("invoicing_specialist.ispec_audit_export_menu", "the audit exports"),
        {
            content: "Create an export",
            trigger: ".o_control_panel_main_buttons .o_list_button_add",
            run: "click",
        },
        {
            content: "The period starts on 1 January 2026",
            trigger: '.o_form_view div[name="date_from"] input',
            run: "edit 01/01/2026 && press Enter",
        },
        {
            content: "and ends on 31 December 2026",
            trigger: '.o_form_view div[name="date_to"] input',
            run: "edit 12/31/2026 && press Enter",
        },
        {
            content: "The invoice register is asked for by default",
            trigger: '.o_form_view div[name="dataset_invoice_register"] input:checked',
        },
        {
            content: "Add the dispute log",
            trigger: '.o_form_view div[name="dataset_dispute_log"] input',
            run: "check",
        },
        {
            content: "Leave out the sequence check",
            trigger: '.o_form_view div[name="dataset_sequence_check"] input',
            run: "uncheck",
        },
        {
            content: "Generate the package",
            trigger: '.o_statusbar_buttons button[name="action_generate"]',
            run: "click",
        },
        {
            content: "The export is done",
            trigger: '.o_statusbar_status button.o_arrow_button_current:contains("Done")',
        },
        {
            content: "The package is named, with its checksum",
            trigger: '.o_form_view div[name="package_name"]:contains(".zip")',
        },
        {
            content: "The Download button is there",
            trigger: '.o_statusbar_buttons button[name="action_download"]',
        },
        {
            content: "and nothing can be generated again",
            trigger: '.o_statusbar_buttons:not(:has(button[name="action_generate"]))',
        },
    ],
});
