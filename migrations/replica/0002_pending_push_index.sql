-- What `annot sync` must push: this user's operations that did not come from the server.
-- Without this index, the first sync after pulling a large history scanned the whole log
-- (the push step runs before the pull, so its cursor still pointed before what was
-- pulled). A partial index: operations pulled from the server, the bulk of the log, are
-- not in it and cost nothing to insert.
CREATE INDEX operations_pending_push ON operations (author, seq) WHERE origin <> 'server';
