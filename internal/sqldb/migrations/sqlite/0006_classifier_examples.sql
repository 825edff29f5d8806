-- trx schema v6 (SQLite): what the classifier learned from. One row per
-- manually categorized transaction of a user (its description,
-- counterparty, amount and the category chosen, when), replaced when the
-- user categorizes it again and deleted when the transaction is deleted or
-- its category cleared: the merchant memory and the user's model are built
-- from these rows, so that what a user takes back is unlearned. The
-- memory counter of classifier_versions moves with every change to them.

CREATE TABLE classifier_examples (
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    tx_id         TEXT NOT NULL,
    category_id   TEXT NOT NULL,
    description   TEXT NOT NULL,
    counterparty  TEXT NOT NULL,
    amount        INTEGER NOT NULL,
    currency      TEXT NOT NULL,
    learned_at    TEXT NOT NULL,
    PRIMARY KEY (user_id, tx_id)
);

ALTER TABLE classifier_versions ADD COLUMN memory INTEGER NOT NULL DEFAULT 0;
