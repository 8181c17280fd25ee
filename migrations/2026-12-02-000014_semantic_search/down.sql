-- Created by backend/sql/06_semantic_search.sql (absent if it never ran here).
DROP TRIGGER IF EXISTS vehicles_queue_passages_update ON vehicles;
DROP TRIGGER IF EXISTS vehicles_queue_passages_insert ON vehicles;
DROP FUNCTION IF EXISTS queue_passages();
DROP TABLE embedding_queue;
DROP TABLE passage_embeddings;
DROP TABLE embedding_model;
ALTER TABLE vehicles DROP COLUMN passage_key;
DROP FUNCTION vehicle_passage(TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT);
