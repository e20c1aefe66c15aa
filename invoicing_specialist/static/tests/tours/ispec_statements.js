/* An accountant (manager role) previews a customer's statement from the customer, downloads it as PDF and
 * as XLSX, then starts a statement run for two customers, confirms it and sees its lines. */
import { browser } from "@web/core/browser/browser";
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";
import { CONTROL_MENU } from "@invoicing_specialist/../tests/tours/ispec_tour_steps";

// The preview opens in a new tab, which a tour cannot read: the tour keeps its address and reads the page itself.
let previewUrl = null;
const originalOpen = browser.open;
// A download navigates the page to the file, which would end the tour: the tour keeps the files' addresses
// instead and fetches them itself.
const downloads = [];
const locationDescriptor = Object.getOwnPropertyDescriptor(browser, "location");

function captureDownloads() {
    Object.defineProperty(browser, "location", {
        get: () =>
            new Proxy({}, {
                get(_target, property) {
                    if (property === "assign") {
                        return (url) => downloads.push(url);
                    }
                    const value = window.location[property];
                    return typeof value === "function" ? value.bind(window.location) : value;
                },
            }),
        configurable: true,
    });
}

async function checkDownload(url, mimetype) {
    const response = await fetch(url);
    const type = response.headers.get("Content-Type") || "";
    const size = (await response.arrayBuffer()).byteLength;
    if (!response.ok || !type.includes(mimetype) || !size) {
        throw new Error(`The download ${url} gave ${response.status} ${type}, ${size} bytes`);
    }
}

function addCustomer(name) {
    return [
        {
            content: `Add ${name}`,
            trigger: '.o_form_view div[name="partner_ids"] input',
            run: `edit ${name}`,
        },
        {
            trigger: `.ui-menu-item a:contains("${name}")`,
            run: "click",
        },
        {
            trigger: `.o_form_view div[name="partner_ids"] .o_tag:contains("${name}")`,
        },
    ];
}

registry.category("web_tour.tours").add("ispec_statements", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("account.menu_finance", "Open the Invoicing app"),
        {
            content: "Open the customers",
            trigger: '.o_main_navbar [data-menu-xmlid="account.menu_finance_receivables"]',
            run: "click",
        },
        {
            trigger: '.dropdown-item[data-menu-xmlid="account.menu_account_customer"]',
            run: "click",
        },
        {
            content: "Open the customer",
            trigger: '.o_kanban_record:contains("Tour Customer Alpha"), .o_view_controller.o_list_view .o_data_row:contains("Tour Customer Alpha") td.o_data_cell:eq(0)',
            run: "click",
        },
        {
            content: "Ask for a statement",
            trigger: '.o_form_view button[name="action_ispec_statement"]',
            run: "click",
        },
        {
            content: "The statement dialog is for this customer",
            trigger: '.modal div[name="partner_ids"] .o_tag:contains("Tour Customer Alpha")',
            run() {
                previewUrl = null;
                browser.open = (url) => {
                    previewUrl = url;
                    return { closed: false };
                };
            },
        },
        {
            content: "Preview it",
            trigger: '.modal .modal-footer button[name="action_preview"]',
            run: "click",
        },
        {
            content: "The preview shows the customer's items, and only theirs",
            trigger: "body",
            async run({ waitUntil }) {
                await waitUntil(() => previewUrl, { timeout: 10000 });
                browser.open = originalOpen;
                const response = await fetch(previewUrl);
                const page = await response.text();
                if (!response.ok) {
                    throw new Error(`The statement preview answered ${response.status}`);
                }
                for (const expected of ["Tour Customer Alpha", "TOUR-STMT-A1", "TOUR-STMT-A2"]) {
                    if (!page.includes(expected)) {
                        throw new Error(`The statement preview does not show ${expected}`);
                    }
                }
                if (page.includes("TOUR-STMT-B1")) {
                    throw new Error("The statement preview shows another customer's invoice");
                }
                captureDownloads();
            },
        },
        {
            content: "Download the PDF",
            trigger: '.modal .modal-footer button[name="action_confirm"]:contains("Download")',
            run: "click",
        },
        {
            content: "Choose XLSX",
            trigger: '.modal div[name="output_format"] input[data-value="xlsx"]',
            run: "click",
        },
        {
            content: "Download the XLSX",
            trigger: '.modal .modal-footer button[name="action_confirm"]:contains("Download")',
            run: "click",
        },
        {
            content: "Both files download",
            trigger: "body",
            async run({ waitUntil }) {
                await waitUntil(() => downloads.length === 2, { timeout: 20000 });
                Object.defineProperty(browser, "location", locationDescriptor);
                await checkDownload(downloads[0], "application/pdf");
                await checkDownload(downloads[1], "spreadsheetml");
            },
        },
        {
            content: "Close the dialog",
            trigger: '.modal .modal-footer button:contains("Cancel")',
            run: "click",
        },
        // A statement run for two customers
        {
            trigger: ".o_form_view:not(:has(.modal))",
        },
        {
            content: "Open the Invoicing Control menu",
            trigger: CONTROL_MENU,
            run: "click",
        },
        {
            content: "Open the statement runs",
            trigger: '.dropdown-item[data-menu-xmlid="invoicing_specialist.ispec_statement_run_menu"]',
            run: "click",
        },
        {
            content: "Start a new run",
            trigger: ".o_control_panel_main_buttons .o_list_button_add",
            run: "click",
        },
        ...addCustomer("Tour Customer Alpha"),
        ...addCustomer("Tour Customer Beta"),
        ...stepUtils.saveForm(),
        {
            content: "Send the statements",
            trigger: '.o_statusbar_buttons button[name="action_confirm_send"]',
            run: "click",
        },
        {
            content: "The confirmation says how many customers get one",
            trigger: '.modal div[name="to_send_count"]:contains("2")',
        },
        {
            content: "Confirm",
            trigger: '.modal .modal-footer button[name="action_start"]',
            run: "click",
        },
        {
            content: "The run is done",
            trigger: '.o_form_view:not(:has(.modal)) .o_statusbar_status button.o_arrow_button_current:contains("Done")',
        },
        {
            content: "Its lines show both customers",
            trigger: 'div[name="line_ids"] .o_data_row:contains("Tour Customer Alpha")',
        },
        {
            trigger: 'div[name="line_ids"] .o_data_row:contains("Tour Customer Beta")',
        },
    ],
});
