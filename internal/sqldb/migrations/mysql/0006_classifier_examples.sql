-- trx schema v6 (MySQL 8 / MariaDB 10.6+): what the classifier learned
-- from. One row per manually categorized transaction of a user (its
-- description, counterparty, amount and the category chosen, when),
-- replaced when the user categorizes it again and deleted when the
-- transaction is deleted or its category cleared: the merchant memory and
-- the user's model are built from these rows, so that what a user takes
-- back is unlearned. The memory counter of classifier_versions moves with
-- every change to them.

CREATE TABLE classifier_examples (
    user_id       CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    tx_id         CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    category_id   VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    description   VARCHAR(1000) NOT NULL,
    counterparty  VARCHAR(200) NOT NULL,
    amount        BIGINT NOT NULL,
    currency      CHAR(3) CHARACTER SET ascii NOT NULL,
    learned_at    CHAR(27) CHARACTER SET ascii NOT NULL,
    PRIMARY KEY (user_id, tx_id),
    CONSTRAINT classifier_examples_user_fk FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE classifier_versions ADD COLUMN memory BIGINT NOT NULL DEFAULT 0;
