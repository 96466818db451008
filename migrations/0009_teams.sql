-- pgboot:up
-- MORSE migration 0009: teams. A team has an owner and a join code people
-- type (or say) to join it.

CREATE TABLE teams (
    id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    name           text        NOT NULL,
    description    text,
    -- Ownership must be handed over before the owner can be deleted.
    owner_user_id  uuid        NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    join_code      text        NOT NULL,
    max_members    integer     NOT NULL DEFAULT 50,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT teams_name_not_blank CHECK (btrim(name) <> ''),
    CONSTRAINT teams_join_code_format CHECK (join_code ~ '^[A-Z0-9]{6,12}$'),
    CONSTRAINT teams_join_code_key UNIQUE (join_code),
    CONSTRAINT teams_max_members_range CHECK (max_members BETWEEN 1 AND 10000)
);
COMMENT ON TABLE teams IS 'Teams of athletes; joined with join_code.';

CREATE UNIQUE INDEX teams_name_lower_key ON teams (lower(name));
CREATE INDEX teams_owner_user_id_idx ON teams (owner_user_id);

CREATE TRIGGER teams_set_updated_at
    BEFORE UPDATE ON teams
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE team_memberships (
    id         serial      PRIMARY KEY,
    team_id    uuid        NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text        NOT NULL DEFAULT 'member',
    joined_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT team_memberships_team_user_key UNIQUE (team_id, user_id),
    CONSTRAINT team_memberships_role_valid CHECK (role IN ('owner', 'coach', 'member'))
);
COMMENT ON TABLE team_memberships IS 'Who is in which team, with which role; the owner has role owner.';

CREATE INDEX team_memberships_user_id_idx ON team_memberships (user_id);
-- One owner membership per team.
CREATE UNIQUE INDEX team_memberships_one_owner ON team_memberships (team_id) WHERE role = 'owner';

-- pgboot:down
DROP TABLE IF EXISTS team_memberships;
DROP TABLE IF EXISTS teams;
