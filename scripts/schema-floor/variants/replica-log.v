@schema
@@MIGRATIONS@@
@all
INSERT INTO operations (hlc, changeset, author, kind, article, subject, payload, origin, received_at) VALUES (:hlc, :cs, :author, :kind, :article, :subject, :payload, 'server', 1234567) ON CONFLICT (hlc) DO NOTHING
