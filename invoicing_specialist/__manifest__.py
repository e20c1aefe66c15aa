{
    "name": "Invoicing Specialist",
    "summary": "Vendor bill matching with payment holds, invoice disputes and customer statements "
    "for invoicing specialists, AP/AR clerks and accountants",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "Invoicing Specialist Contributors",
    "maintainers": ["invoicing-specialist"],
    "website": "https://github.com/invoicing-specialist/invoicing_specialist",
    "development_status": "Beta",
    "depends": ["account", "purchase_stock", "mail"],
    "external_dependencies": {"python": ["xlsxwriter"]},
    "data": [
        # security
        "security/invoicing_specialist_security.xml",
        "security/ir.model.access.csv",
        "security/statement_security.xml",
        "security/dispute_security.xml",
        "security/match_security.xml",
        "security/audit_security.xml",
        # data
        "data/statement_data.xml",
        "data/statement_cron.xml",
        "data/dispute_data.xml",
        "data/dispute_reason_data.xml",
        "data/match_reason_data.xml",
        "data/match_data.xml",
        "data/match_cron.xml",
        # views
        "views/account_move_views.xml",
        "views/res_config_settings_views.xml",
        "views/statement_run_views.xml",
        "views/statement_views.xml",
        "views/dispute_views.xml",
        "views/match_views.xml",
        "views/match_override_views.xml",
        "views/ispec_access_views.xml",
        # wizards
        "wizards/statement_wizard_views.xml",
        "wizards/match_override_wizard_views.xml",
        "wizards/ispec_settings_views.xml",
        # reports
        "report/statement_report.xml",
        # menus last
        "views/menus.xml",
        "views/statement_menus.xml",
        "views/dispute_menus.xml",
        "views/match_menus.xml",
        "views/audit_export_views.xml",
    ],
    "demo": [
        "demo/demo_data.xml",
        "demo/statement_demo.xml",
        "demo/match_demo.xml",
    ],
    "uninstall_hook": "uninstall_hook",
    "assets": {"web.assets_backend": ["invoicing_specialist/static/src/**/*"]},
}
