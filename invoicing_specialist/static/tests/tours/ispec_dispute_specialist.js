/* A specialist opens a dispute for part of one line of a posted customer invoice, then starts its review. */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ispec_dispute_specialist", {
    steps: () => [
        {
            content: "Open the posted invoice from the customer invoices",
            trigger: '.o_view_controller.o_list_view .o_data_row:contains("690.00") td.o_data_cell:eq(1)',
            run: "click",
        },
        {
            content: "Open a dispute",
            trigger: '.o_statusbar_buttons button[name="action_ispec_open_dispute"]',
            run: "click",
        },
        {
            content: "Choose the reason",
            trigger: '.modal div[name="reason_id"] input',
            run: "edit Price differs",
        },
        {
            trigger: '.ui-menu-item a:contains("Price differs from agreement")',
            run: "click",
        },
        {
            content: "Dispute some invoice lines, not the whole invoice",
            trigger: '.modal div[name="scope"] input[data-value="lines"]',
            run: "click",
        },
        {
            content: "Add a disputed line",
            trigger: '.modal div[name="line_ids"] .o_field_x2many_list_row_add a',
            run: "click",
        },
        {
            content: "The line of the invoice",
            trigger: '.modal div[name="line_ids"] .o_selected_row div[name="invoice_line_id"] input',
            run: "edit Tour widget",
        },
        {
            trigger: '.ui-menu-item a:contains("Tour widget")',
            run: "click",
        },
        {
            content: "Two of its five units",
            trigger: '.modal div[name="line_ids"] .o_selected_row div[name="quantity"] input',
            run: "edit 2 && press Tab",
        },
        {
            content: "The disputed amount follows: 2/5 of 575.00",
            trigger: '.modal div[name="amount_original"]:contains("230.00")',
        },
        {
            content: "Open the dispute",
            trigger: '.modal .modal-footer button[name="action_open"]',
            run: "click",
        },
        {
            content: "The invoice says what is in dispute",
            trigger: '.o_form_view:not(:has(.modal)) .alert-danger:contains("In dispute"):contains("230.00")',
        },
        {
            content: "Open the invoice's disputes",
            trigger: 'button[name="action_ispec_view_disputes"]',
            run: "click",
        },
        {
            content: "Open the case",
            trigger: '.o_view_controller.o_list_view .o_data_row:contains("Price differs from agreement") td.o_data_cell:eq(0)',
            run: "click",
        },
        {
            content: "The case is open",
            trigger: '.o_statusbar_status button.o_arrow_button_current:contains("Open")',
        },
        {
            content: "Start the review",
            trigger: '.o_statusbar_buttons button[name="action_review"]',
            run: "click",
        },
        {
            content: "The case is under review",
            trigger: '.o_statusbar_status button.o_arrow_button_current:contains("Under Review")',
        },
    ],
});
