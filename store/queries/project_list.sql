-- name: ListOrgProjects :many
-- An org's projects, latest start first. statuses (empty: all) are
-- effective statuses at now, the rule of project.EffectiveStatus: a
-- recruiting project whose start has come counts as running.
SELECT * FROM project.project
WHERE org_id = @org_id
  AND (cardinality(@statuses::text[]) = 0
       OR (CASE WHEN status = 'recruiting' AND start_time <= @now::timestamptz THEN 'running' ELSE status END)
          = ANY(@statuses::text[]))
ORDER BY start_time DESC, id
LIMIT @lim OFFSET @off;

-- name: ListPositionsOfProjects :many
-- The positions of several projects with their hired counts, as
-- ListPositionsWithHired gives them for one.
SELECT pos.id, pos.project_id, pos.name, pos.quota, pos.sign_in_methods, pos.skills, pos.sort,
       (SELECT count(*) FROM project.sign_up s
        WHERE s.project_id = pos.project_id AND s.position_id = pos.id AND s.status = 'hired')::int AS hired
FROM project.position pos
WHERE pos.project_id = ANY(@project_ids::uuid[])
ORDER BY pos.project_id, pos.sort, pos.id;
