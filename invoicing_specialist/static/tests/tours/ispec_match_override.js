/* A manager overrides a held bill's match exception with a reason: the bill is then ready to pay. */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ispec_match_override", {
    steps: () => [
        {
            content: "The bill is held: it does not match its purchase order",
            trigger: '.alert-warning:contains("This bill does not match its purchase order")',
        },
        {
            content: "Override the match",
            trigger: '.o_statusbar_buttons button[name="action_ispec_match_override"]',
            run: "click",
        },
        {
            content: "The override dialog lists the line and its figures",
            trigger: '.modal div[name="line_ids"] .o_data_row:contains("Tour bolt box"):contains("Billed more than received")',
        },
        {
            content: "Say why",
            trigger: '.modal div[name="note"] textarea',
            run: "edit Agreed with the vendor by phone: the rest ships next week",
        },
        {
            content: "Confirm the override",
            trigger: '.modal .modal-footer button[name="action_confirm"]',
            run: "click",
        },
        {
            content: "The bill says a manager accepted its exceptions",
            trigger: '.o_form_view:not(:has(.modal)) .alert-info:contains("A manager accepted this bill\'s match exceptions")',
        },
        {
            content: "The payment is no longer held",
            trigger: '.o_form_view:not(:has(.alert-warning:contains("Payment held by Invoicing Control")))',
        },
        {
            content: "The bill is ready to pay: the Pay button is back",
            trigger: '.o_statusbar_buttons button[name="action_register_payment"]',
        },
        {
            content: "The chatter says who overrode it and why",
            trigger: '.o-mail-Message:contains("Match exception overridden by Mia Manager"):contains("Agreed with the vendor by phone")',
        },
        {
            content: "The Overrides button shows the override",
            trigger: 'button[name="action_ispec_view_match_overrides"]:contains("1")',
        },
    ],
});
