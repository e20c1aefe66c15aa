/* Customer invoices checked against their sales orders: a specialist finds an invoice in exception, sees why
 * and cannot post it; a manager overrides it with a reason and posts it. */
import { registry } from "@web/core/registry";
import { openControlMenu } from "@invoicing_specialist/../tests/tours/ispec_tour_steps";

const BANNER = '.o_ispec_sale_match_banner:contains("This invoice does not match its sales orders and deliveries")';
const ROW = 'div[name="ispec_sale_match_line_ids"] .o_data_row:contains("Tour crate")';

registry.category("web_tour.tours").add("ispec_sale_specialist", {
    url: "/odoo",
    steps: () => [
        ...openControlMenu("invoicing_specialist_sale.account_move_sale_match_menu", "the Invoice Exceptions"),
        {
            content: "The worklist groups the invoices by customer",
            trigger: '.o_breadcrumb:contains("Invoice Exceptions")',
        },
        {
            content: "Unfold the customer",
            trigger: '.o_group_header:contains("Tour Harbor Foods")',
            run: "click",
        },
        {
            content: "Unfold the reason",
            trigger: '.o_group_header:contains("Invoiced more than delivered")',
            run: "click",
        },
        {
            content: "Open the invoice in exception",
            trigger: '.o_data_row:contains("Tour Harbor Foods") td.o_data_cell:eq(1)',
            run: "click",
        },
        {
            content: "The banner says the invoice does not match and why",
            trigger: `${BANNER} .o_tag:contains("Invoiced more than delivered")`,
        },
        {
            content: "The table gives the figures: invoiced in all against delivered",
            trigger: `${ROW} td[name="ispec_sale_match_detail"]:contains("6 invoiced in all, 4 delivered")`,
        },
        {
            content: "and the sales order",
            trigger: `${ROW} td[name="ispec_sale_order_id"]:contains("S0")`,
        },
        {
            content: "A specialist cannot override",
            trigger: '.o_form_view .o_statusbar_buttons:not(:has(button[name="action_ispec_match_override"]))',
        },
        {
            content: "Try to post it",
            trigger: '.o_statusbar_buttons button[name="action_post"]',
            run: "click",
        },
        {
            content: "Posting is refused, naming the invoice's reason with its figures",
            trigger: '.modal .modal-body:contains("cannot be posted"):contains("Invoiced more than delivered (6 invoiced in all, 4 delivered)")',
        },
        {
            content: "Close the message",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The invoice stays a draft, in exception",
            trigger: `.o_form_view:not(:has(.modal)) ${BANNER}`,
        },
    ],
});

registry.category("web_tour.tours").add("ispec_sale_override", {
    steps: () => [
        {
            content: "The invoice is in exception",
            trigger: BANNER,
        },
        {
            content: "Override it",
            trigger: '.o_statusbar_buttons button[name="action_ispec_match_override"]',
            run: "click",
        },
        {
            content: "The override dialog lists the line and what differs",
            trigger: '.modal div[name="line_ids"] .o_data_row:contains("Tour crate"):contains("6 invoiced in all, 4 delivered")',
        },
        {
            content: "Say why",
            trigger: '.modal div[name="note"] textarea',
            run: "edit The customer asked to be invoiced the rest now; it ships on Monday",
        },
        {
            content: "Confirm the override",
            trigger: '.modal .modal-footer button[name="action_confirm"]',
            run: "click",
        },
        {
            content: "The invoice says a manager accepted its exceptions",
            trigger: '.o_form_view:not(:has(.modal)) .alert-info:contains("A manager accepted this invoice\'s exceptions")',
        },
        {
            content: "Post it",
            trigger: '.o_form_view:not(:has(.o_ispec_sale_match_banner:visible)) .o_statusbar_buttons button[name="action_post"]',
            run: "click",
        },
        {
            content: "The invoice is posted",
            trigger: '.o_form_view .o_statusbar_buttons:not(:has(button[name="action_post"]))',
        },
    ],
});
