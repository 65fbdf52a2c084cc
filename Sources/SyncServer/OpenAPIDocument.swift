/// The protocol's OpenAPI 3 document, embedded at build time from `docs/openapi.yaml`
/// (the copy in the repository is the source of truth).
enum OpenAPIDocument {
    static var yaml: String {
        EmbeddedMigrations.all.first { $0.set == "docs" && $0.id == "openapi" }?.sql ?? "openapi: 3.0.3\n"
    }
}
