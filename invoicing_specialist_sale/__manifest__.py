{
    "name": "Invoicing Specialist: Sales",
    "summary": "Customer invoices checked against sales orders and deliveries before posting, "
    "and the invoicing backlog of what was delivered and not invoiced yet",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "Invoicing Specialist Contributors",
    "maintainers": ["invoicing-specialist"],
    "website": "https://github.com/invoicing-specialist/invoicing_specialist",
    "development_status": "Beta",
    "depends": ["invoicing_specialist", "sale_stock"],
    "auto_install": True,
    "data": [
        # security
        "security/ir.model.access.csv",
        "security/sale_security.xml",
        # data
        "data/sale_match_reason_data.xml",
        "data/sale_backlog_data.xml",
        # views
        "views/sale_match_views.xml",
        "views/res_partner_views.xml",
        "views/sale_backlog_views.xml",
        # wizards
        "wizards/ispec_settings_views.xml",
        # menus last
        "views/sale_menus.xml",
    ],
    "assets": {
        "web.assets_tests": ["invoicing_specialist_sale/static/tests/tours/**/*"],
    },
}
