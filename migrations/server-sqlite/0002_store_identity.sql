-- Who this store is: a random id made once, when the store is created. Pull answers carry
-- it, so a client that follows a store which was replaced (recreated, or restored from an
-- older backup) notices, and sends and receives everything again instead of trusting
-- cursors that belong to another log.
CREATE TABLE store_identity (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    id          TEXT NOT NULL
);
INSERT INTO store_identity (singleton, id) VALUES (1, lower(hex(randomblob(16))));
