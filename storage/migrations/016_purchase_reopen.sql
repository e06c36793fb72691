-- A rejected purchase reopened for correction (修改后重新提交) becomes a new draft with the
-- same lines and photos; the rejected one stays on the record as it was. reopened_from
-- links the two, so the supervisor sees what changed and the button reopens it once.
ALTER TABLE purchases ADD COLUMN reopened_from INTEGER REFERENCES purchases(id);
CREATE INDEX purchases_reopened_from ON purchases(reopened_from) WHERE reopened_from IS NOT NULL;
