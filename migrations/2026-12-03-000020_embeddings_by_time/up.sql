-- The stock index keeps each vehicle's vector in memory, one bit a dimension
-- (backend/src/search/codes.rs), and picks up what the worker embedded since it last looked.
CREATE INDEX passage_embeddings_embedded_at_idx ON passage_embeddings (embedded_at);
