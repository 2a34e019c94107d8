-- name: ListOrgChoices :many
-- Active orgs a registrant may apply under, for the parent picker: with
-- name_contains, those anywhere whose name contains it; else the children
-- of parent_id (by_parent) or the root. has_children tells the picker
-- whether to offer going down.
SELECT o.id, o.name, o.level, o.parent_id, coalesce(p.name, '')::text AS parent_name,
       EXISTS (SELECT 1 FROM org.org c WHERE c.parent_id = o.id AND c.status = 'active') AS has_children
FROM org.org o
LEFT JOIN org.org p ON p.id = o.parent_id
WHERE o.status = 'active'
  AND CASE WHEN @name_contains::text <> '' THEN strpos(o.name, @name_contains::text) > 0
           WHEN @by_parent::bool THEN o.parent_id = @parent_id::uuid
           ELSE o.parent_id IS NULL
      END
ORDER BY cardinality(o.path), o.name, o.id
LIMIT @lim OFFSET @off;
