-- A library is one documented project, addressed by its Context7 ID /org/project.
CREATE TABLE libraries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    identifier      text NOT NULL UNIQUE CHECK (identifier = '/' || org || '/' || project),
    org             text NOT NULL CHECK (org <> '' AND position('/' IN org) = 0),
    project         text NOT NULL CHECK (project <> '' AND position('/' IN project) = 0),
    name            text NOT NULL,
    description     text NOT NULL DEFAULT '',
    repository_url  text,
    homepage_url    text,
    trust_score     integer NOT NULL DEFAULT 5 CHECK (trust_score BETWEEN 1 AND 10),
    rules           text[] NOT NULL DEFAULT '{}',
    metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX libraries_org_project_idx ON libraries (lower(org), lower(project));

COMMENT ON COLUMN libraries.identifier IS 'Context7-compatible ID: /org/project';
COMMENT ON COLUMN libraries.rules IS 'context7.json rules, shown to agents above the docs';
