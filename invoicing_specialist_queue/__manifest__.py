{
    "name": "Invoicing Specialist: Job Queue",
    "summary": "Statement runs, audit exports and the bill recheck as OCA queue_job jobs, "
    "spread over every Odoo worker",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "Invoicing Specialist Contributors",
    "maintainers": ["invoicing-specialist"],
    "website": "https://github.com/invoicing-specialist/invoicing_specialist",
    "development_status": "Beta",
    "depends": ["invoicing_specialist", "queue_job"],
    "data": [
        "data/queue_job_data.xml",
    ],
    "auto_install": True,
}
