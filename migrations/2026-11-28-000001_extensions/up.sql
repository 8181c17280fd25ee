-- pgvector for the AI assistant's embeddings; pg_trgm for fuzzy stock search.
-- (No `unaccent`: it is not in every PostgreSQL build we run on; search folds accents itself.)
CREATE EXTENSION IF NOT EXISTS vector;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
