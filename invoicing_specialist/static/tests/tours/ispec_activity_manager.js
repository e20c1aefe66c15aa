/* A manager opens the activity summary for a month, updates it, and clicks a figure to land on the records
 * behind it. */
import { registry } from "@web/core/registry";
import { openControlMenu } from "@invoicing_specialist/../tests/tours/ispec_tour_steps";

registry.category("web_tour.tours").add("ispec_activity_manager", {
    url: "/odoo",
    steps: () => [
        ...openControlMenu("invoicing_specialist.ispec_activity_report_menu", "the activity report"),
        {
            content: "Change the period's date",
            trigger: '.o_form_view div[name="period_date"] button, .o_form_view div[name="period_date"] input',
            run: "click",
        },
        {
            content: "Report on January 2026",
            trigger: '.o_form_view div[name="period_date"] input',
            run: "edit 01/31/2026 && press Enter",
        },
        {
            content: "Compute the figures",
            trigger: '.o_statusbar_buttons button[name="action_update"]',
            run: "click",
        },
        {
            content: "The figures are computed and shown again",
            trigger: '.o_form_view:not(:has(.alert-info)) .o_statusbar_buttons button[name="action_update"]:enabled',
        },
        {
            content: "Two invoices were issued in the month",
            trigger: 'div[name="billed_line_ids"] .o_data_row:contains("Invoices issued") td[name="display_current"]:contains("2")',
        },
        {
            content: "Open the invoices behind the figure",
            trigger: 'div[name="billed_line_ids"] .o_data_row:contains("Invoices issued") button[name="action_open_current"]',
            run: "click",
        },
        {
            content: "The list holds the two invoices of the month",
            trigger: '.o_view_controller.o_list_view:has(.o_data_row:contains("690.00")):has(.o_data_row:contains("115.00"))',
        },
        {
            content: "and only them",
            trigger: ".o_view_controller.o_list_view .o_data_row:count(2)",
        },
    ],
});
