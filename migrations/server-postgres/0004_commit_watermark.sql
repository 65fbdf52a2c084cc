-- Pushes no longer hold the `log_head` row lock until they commit (docs/protocol.md §15,
-- "A watermark below pushes in flight"). Never edit once shipped.
--
-- A push reserves its sequence numbers in a short transaction of its own, which advances
-- `log_head` and records the reservation here, then stores its operations in its own
-- transaction, which deletes the reservation as it commits. A reader serves only the
-- operations below every reservation still in flight. `token` names a transaction-level
-- advisory lock that the push holds for its whole transaction: a reservation whose lock
-- is free belongs to a push that has ended (committed, rolled back, or lost with its
-- connection), and readers delete it.
CREATE TABLE log_reservations (
    first       BIGINT PRIMARY KEY,
    last        BIGINT NOT NULL,
    token       BIGINT NOT NULL,
    reserved_at BIGINT NOT NULL
);
