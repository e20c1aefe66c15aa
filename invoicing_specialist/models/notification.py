def close_with_notification(message, kind="success"):
    """The client action that closes the dialog and shows ``message`` (``kind``: success, warning,
    danger, info) in a notification: what this addon's buttons return when they are done."""
    return {
        "type": "ir.actions.client",
        "tag": "display_notification",
        "params": {
            "type": kind,
            "message": message,
            "next": {"type": "ir.actions.act_window_close"},
        },
    }
