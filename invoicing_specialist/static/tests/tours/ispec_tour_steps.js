/* Tour steps the role tours share. */
import { stepUtils } from "@web_tour/tour_utils";

export const CONTROL_MENU = '.o_main_navbar [data-menu-xmlid="invoicing_specialist.menu_invoicing_control"]';

/** Open the Invoicing app, then the Invoicing Control menu item ``menuXmlid`` ("what" names it). */
export function openControlMenu(menuXmlid, what) {
    return [
        ...stepUtils.goToAppSteps("account.menu_finance", "Open the Invoicing app"),
        { content: "Open the Invoicing Control menu", trigger: CONTROL_MENU, run: "click" },
        { content: `Open ${what}`, trigger: `.dropdown-item[data-menu-xmlid="${menuXmlid}"]`, run: "click" },
    ];
}
