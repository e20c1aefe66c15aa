/* A manager accepts a dispute under review: a credit note for the disputed amount is posted and linked. */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ispec_dispute_manager", {
    steps: () => [
        {
            content: "Open the case from the open disputes",
            trigger: '.o_view_controller.o_list_view .o_data_row:contains("TOUR-INV-1"):contains("Under Review") td.o_data_cell:eq(0)',
            run: "click",
        },
        {
            content: "Accept it with a credit note",
            trigger: '.o_statusbar_buttons button[name="action_accept"]',
            run: "click",
        },
        {
            content: "Confirm",
            trigger: '.modal:contains("A credit note for the disputed amount will be posted") .modal-footer .btn-primary',
            run: "click",
        },
        {
            content: "The case is accepted",
            trigger: '.o_form_view:not(:has(.modal)) .o_statusbar_status button.o_arrow_button_current:contains("Resolved: Accepted")',
        },
        {
            content: "The credited amount is shown",
            trigger: 'div[name="amount_credited"]:contains("230.00")',
        },
        {
            content: "Open the credit note",
            trigger: 'button[name="action_view_credit_notes"]',
            run: "click",
        },
        {
            content: "The credit note is listed, for the disputed amount",
            trigger: '.o_view_controller.o_list_view .o_data_row:contains("230.00") td.o_data_cell:eq(0)',
            run: "click",
        },
        {
            content: "The credit note is posted",
            trigger: '.o_form_view .o_statusbar_status button.o_arrow_button_current:contains("Posted")',
        },
    ],
});
