"""Full-text search: engines (Tantivy embedded, Elasticsearch), indexing, Vietnamese
text."""
