-- In-memory SQLite: generate rows with a recursive CTE, index them, then
-- aggregate, join, sort and update.  @N@ is the row count (real.sh).
CREATE TABLE t(id INTEGER PRIMARY KEY, grp INTEGER, name TEXT, val REAL);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < @N@)
INSERT INTO t SELECT i, (i * 7919) % 1000, printf('name%08d', (i * 104729) % 1000003), (i % 977) * 1.5 FROM c;
CREATE INDEX t_grp ON t(grp);
CREATE INDEX t_name ON t(name);
CREATE TABLE g(grp INTEGER PRIMARY KEY, label TEXT);
INSERT INTO g SELECT DISTINCT grp, 'group' || grp FROM t;
SELECT count(*), sum(val), min(name), max(name) FROM t;
SELECT grp, count(*), round(avg(val), 3) FROM t GROUP BY grp ORDER BY 3 DESC, 1 LIMIT 5;
SELECT g.label, count(*) FROM t JOIN g USING (grp) WHERE t.name LIKE 'name00%' GROUP BY g.label ORDER BY 2 DESC, 1 LIMIT 5;
UPDATE t SET val = val * 2 WHERE grp % 3 = 0;
DELETE FROM t WHERE id % 5 = 0;
SELECT count(*), round(sum(val), 2) FROM t;
SELECT name FROM t ORDER BY val DESC, name LIMIT 3;
SELECT count(DISTINCT substr(name, 5, 3)) FROM t;
