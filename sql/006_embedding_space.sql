-- The one embedding model this database's vectors come from. Mixing vector spaces is refused.
CREATE TABLE embedding_space (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    provider    text NOT NULL,
    model       text NOT NULL,
    dimensions  integer NOT NULL CHECK (dimensions > 0),
    created_at  timestamptz NOT NULL DEFAULT now()
);
