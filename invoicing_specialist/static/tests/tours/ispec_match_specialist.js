/* A specialist works the Bill Matching worklist: a bill in exception shows why and with which figures,
 * its purchase order opens from the bill's banner, and paying it is refused. */
import { registry } from "@web/core/registry";
import { openControlMenu } from "@invoicing_specialist/../tests/tours/ispec_tour_steps";

registry.category("web_tour.tours").add("ispec_match_specialist", {
    url: "/odoo",
    steps: () => [
        ...openControlMenu("invoicing_specialist.account_move_match_menu", "the Bill Matching worklist"),
        {
            content: "The worklist groups the bills by vendor",
            trigger: '.o_breadcrumb:contains("Bill Matching")',
        },
        {
            content: "Unfold the vendor",
            trigger: '.o_group_header:contains("Tour Bolt Supplies")',
            run: "click",
        },
        {
            content: "Unfold the reason",
            trigger: '.o_group_header:contains("Billed more than received")',
            run: "click",
        },
        {
            content: "Open the bill in exception",
            trigger: '.o_data_row:contains("TOUR-BILL-1") td.o_data_cell:eq(1)',
            run: "click",
        },
        {
            content: "The banner says the bill does not match and why",
            trigger: '.alert-warning:contains("This bill does not match its purchase order") .o_tag:contains("Billed more than received")',
        },
        {
            content: "The banner shows the received quantity",
            trigger: 'div[name="ispec_match_line_ids"] .o_data_row:contains("Tour bolt box") td[name="ispec_qty_received"]:contains("5.00")',
        },
        {
            content: "and the billed quantity",
            trigger: 'div[name="ispec_match_line_ids"] .o_data_row:contains("Tour bolt box") td[name="ispec_qty_billed"]:contains("10.00")',
        },
        {
            content: "The payment is held, and the banner says by what",
            trigger: '.alert-warning:contains("Payment held by Invoicing Control")',
        },
        {
            content: "Open the purchase order from the banner",
            trigger: 'div[name="ispec_match_line_ids"] .o_data_row td[name="purchase_order_id"] a',
            run: "click",
        },
        {
            content: "The purchase order opens, with the warning about its bill",
            trigger: '.o_form_view .alert-warning:contains("A vendor bill of this order does not match it")',
        },
        {
            content: "Back to the bill",
            trigger: ".o_breadcrumb .o_back_button a, .o_breadcrumb .breadcrumb-item:not(.active):last a",
            run: "click",
        },
        {
            content: "The bill is back",
            trigger: '.o_form_view .alert-warning:contains("This bill does not match its purchase order")',
        },
        {
            content: "No Pay button on a held bill",
            trigger: '.o_form_view .o_statusbar_buttons:not(:has(button[name="action_register_payment"]))',
        },
        {
            content: "Open the actions menu",
            trigger: ".o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            content: "Try to pay it from the actions menu",
            trigger: ".o-dropdown-item:text(Pay)",
            run: "click",
        },
        {
            content: "The payment is refused, with the reason",
            trigger: '.modal .modal-body:contains("cannot be paid while Invoicing Control holds them"):contains("Billed more than received")',
        },
        {
            content: "Close the message",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The bill stays open, unpaid",
            trigger: ".o_form_view:not(:has(.modal))",
        },
    ],
});
