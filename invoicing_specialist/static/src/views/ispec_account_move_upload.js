/**
 * Auditors are not offered Upload on invoice and bill lists and kanbans.
 *
 * Odoo's account_tree and account_documents_kanban views offer Upload (and drag and drop or paste of
 * files) to every user who opens them, whatever their rights; Odoo decides on the action's context only.
 * An Invoicing Specialist auditor may not create bills, so for a user who is an auditor without Odoo's
 * billing rights the button is hidden and dropped or pasted files are ignored. Every other user, Odoo's
 * own read-only accountants included, keeps exactly what Odoo shows.
 */
import { onWillStart } from "@odoo/owl";
import { user } from "@web/core/user";
import { patch } from "@web/core/utils/patch";
import { AccountMoveListController } from "@account/views/account_move_list/account_move_list_controller";
import { AccountMoveListRenderer } from "@account/views/account_move_list/account_move_list_renderer";
import { AccountMoveKanbanController } from "@account/views/account_move_kanban/account_move_kanban_controller";
import { FileUploadKanbanRenderer } from "@account/views/file_upload_kanban/file_upload_kanban_renderer";

export const AUDITOR_GROUP = "invoicing_specialist.group_auditor";
export const BILLING_GROUP = "account.group_account_invoice";

/** Whether the current user is an auditor without billing rights (both answers are cached by user). */
export async function isReadOnlyAuditor() {
    const [auditor, billing] = await Promise.all([user.hasGroup(AUDITOR_GROUP), user.hasGroup(BILLING_GROUP)]);
    return auditor && !billing;
}

// Each patch gets its own object: Odoo's patch() binds an object's `super` to the class it patches, so one
// object shared by two patches would call the other class's methods (the bills list then fails to open).
const hideUpload = () => ({
    setup() {
        super.setup(...arguments);
        onWillStart(async () => {
            if (await isReadOnlyAuditor()) {
                this.showUploadButton = false;
            }
        });
    },
});

const ignoreDroppedFiles = () => ({
    setup() {
        super.setup(...arguments);
        this.ispecNoUpload = false;
        onWillStart(async () => {
            this.ispecNoUpload = await isReadOnlyAuditor();
        });
    },
    onDragStart(ev) {
        if (!this.ispecNoUpload) {
            super.onDragStart(ev);
        }
    },
    async onPaste(ev) {
        if (!this.ispecNoUpload) {
            return super.onPaste(ev);
        }
    },
});

patch(AccountMoveListController.prototype, hideUpload());
patch(AccountMoveKanbanController.prototype, hideUpload());
patch(AccountMoveListRenderer.prototype, ignoreDroppedFiles());
patch(FileUploadKanbanRenderer.prototype, ignoreDroppedFiles());
