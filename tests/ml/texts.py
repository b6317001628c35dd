"""Short realistic posting and resume texts shared by the real-text ML tests (written for the tests)."""

POSTING = ("Staff Accountant\nOur client, a regional hospital group, needs a staff accountant to own month-end close, "
           "journal entries, bank reconciliations and audit schedules. You will work with the controller on budgets "
           "and variance analysis.")
ACCOUNTANT = ("Summary: Accountant with six years in general ledger work, account reconciliation, month-end close and "
              "audit support for healthcare providers. Prepared journal entries and budgets with the controller.")
BARISTA = ("Summary: Friendly barista with four years of espresso preparation, latte art, cash handling and opening "
           "shifts at a busy neighbourhood cafe. Trained new staff on drinks and hygiene.")
