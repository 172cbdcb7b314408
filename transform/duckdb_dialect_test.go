package transform_test

// dialectStatements extend diffStatements with DuckDB's functions and
// operators beyond the core, one family at a time; the trailing index goes on
// from diffStatements' (the key of knownBugs).
var dialectStatements = []diffStatement{
	// Strings: regular expressions.
	{ // 62
		items: `regexp_extract(msg, '[0-9]+') AS a, regexp_extract(msg, '([a-z]+) ([a-z]+)', 2) AS b, regexp_extract(user.name, '^(\p{L})(\p{L}*)', 1) AS c, ` +
			`regexp_extract(msg, 'ERROR|error', 0, 'i') AS d, regexp_extract(msg, '(x)?y', 1) AS e, regexp_extract(service, '(?P<word>[a-z]+)$') AS f`,
		where: "true",
	},
	{ // 63
		items: `regexp_replace(msg, '[0-9]', '#') AS a, regexp_replace(msg, '[0-9]', '#', 'g') AS b, regexp_replace(msg, '(\w+) (\w+)', '\2 \1') AS c, ` +
			`regexp_replace(msg, 'e', 'E', 'gi') AS d, regexp_replace(user.name, 'x*', '-', 'g') AS e, regexp_replace(msg, 'o', '\\\0', 'g') AS f, ` +
			`regexp_replace(level, 'b*', '<\0>', 'g') AS g, regexp_replace(msg, '$', '!') AS h, regexp_replace(msg, '(o)', '$1') AS i`,
		where: "true",
	},
	{items: `regexp_matches(msg, '^user', 'c') AS a, regexp_matches(msg, '^.*$') AS b, regexp_matches(msg, '^.*$', 's') AS c, regexp_matches(msg, 'ok$', 'm') AS d`, where: "true"}, // 64

	// Strings: splitting and slicing.
	{ // 65
		items: "split_part(msg, ' ', 1) AS a, split_part(msg, ' ', 2) AS b, split_part(msg, ' ', -1) AS c, split_part(service, '-', 2) AS d, " +
			"split_part(msg, '', 3) AS e, split_part(msg, 'o', 0) AS f, split_part(user.name, ' ', 5) AS g, split_part(msg, '', -2) AS h, split_part(msg, 'er', -2) AS i",
		where: "true",
	},
	{items: "left(msg, 3) AS a, right(msg, 4) AS b, left(user.name, -2) AS c, right(user.name, -1) AS d, left(msg, 0) AS e, right(msg, 100) AS f, left(msg, count) AS g, right(msg, count) AS h", where: "true"}, // 66
	{ // 67: DuckDB's lpad takes an INTEGER length, ours any whole number; DuckDB's side casts.
		items:     "lpad(level, 8, '*') AS a, rpad(level, 8, '-=') AS b, lpad(user.name, 3, 'ü') AS c, rpad(msg, 5, '.') AS d, lpad(service, -1, 'x') AS e, lpad(msg, status % 30, '#') AS f, rpad(user.name, 12, '👍🏽') AS g",
		duckItems: "lpad(level, 8, '*') AS a, rpad(level, 8, '-=') AS b, lpad(user.name, 3, 'ü') AS c, rpad(msg, 5, '.') AS d, lpad(service, -1, 'x') AS e, lpad(msg, (status % 30)::INTEGER, '#') AS f, rpad(user.name, 12, '👍🏽') AS g",
		where:     "true",
	},
	{items: "strpos(msg, 'o') AS a, instr(msg, 'user') AS b, position('e' IN msg) AS c, strpos(msg, '') AS d, strpos(user.name, 'é') AS e, position(level IN msg) AS f, instr(msg, 'ok') AS g", where: "true"},                  // 68
	{items: "reverse(msg) AS a, reverse(user.name) AS b, repeat(level, 3) AS c, repeat(service, 0) AS d, repeat(msg, -1) AS e, repeat(user.name, count % 4) AS f", where: "true"},                                               // 69
	{items: "concat_ws('-', level, service, user.name) AS a, concat_ws(', ', msg, status, ok, latency) AS b, concat_ws(level, 'a', 'b') AS c, concat_ws('|', NULL, user.id) AS d, concat_ws('', msg, msg) AS e", where: "true"}, // 70
	{items: "prefix(msg, 'user') AS a, suffix(msg, 'ok') AS b, lcase(msg) AS c, ucase(level) AS d, starts_with(service, 'a') AS e, ends_with(msg, '!') AS f, prefix(msg, '') AS g", where: "true"},                              // 71
	{ // 72: DuckDB's chr takes an INTEGER; DuckDB's side casts.
		items:     "ascii(msg) AS a, ascii(user.name) AS b, chr(65 + status % 26) AS c, chr(count + 1000) AS d, ascii(chr(count + 1000)) AS e",
		duckItems: "ascii(msg) AS a, ascii(user.name) AS b, chr((65 + status % 26)::INTEGER) AS c, chr((count + 1000)::INTEGER) AS d, ascii(chr((count + 1000)::INTEGER)) AS e",
		where:     "true",
	},
	{items: "strlen(msg) AS a, length(msg) AS b, char_length(user.name) AS c, strlen(user.name) AS d, strlen(level) AS e", where: "true"}, // 73
	{ // 74
		items: "trim(BOTH '!' FROM msg) AS a, trim(LEADING ' ' FROM msg) AS b, trim(TRAILING ' !' FROM msg) AS c, trim(FROM msg) AS d, trim(LEADING FROM user.name) AS e, " +
			"ltrim(msg, ' !') AS f, rtrim(user.name, 'e') AS g, trim('!' FROM msg) AS h, trim(BOTH FROM user.name) AS i, trim(TRAILING FROM msg) AS j",
		where: "true",
	},
	{items: "substring(msg FROM 2 FOR 3) AS a, substring(msg FROM 5) AS b, substring(user.name FOR 2) AS c, substring(msg FROM -3) AS d, substring(msg FROM 0 FOR 2) AS e", where: "true"}, // 75

	// Strings: format and printf.
	{ // 76: ts is a string to us, a TIMESTAMP to DuckDB.
		items:     "format('{} is {}', level, status) AS a, format('{1}-{0}', msg, service) AS b, format('{{}} {}', ok) AS c, format('lat={}', latency) AS d, format('{}', ts::TIMESTAMP) AS e, format('{}/{}', user.id, count) AS f",
		duckItems: "format('{} is {}', level, status) AS a, format('{1}-{0}', msg, service) AS b, format('{{}} {}', ok) AS c, format('lat={}', latency) AS d, format('{}', ts) AS e, format('{}/{}', user.id, count) AS f",
		where:     "true",
	},
	{ // 77
		items: "printf('%s:%d', level, status) AS a, printf('%5d|%-6s|%06.2f', count, level, latency) AS b, printf('%x %X %o', status, bytes, count) AS c, printf('%+d % d', count, count) AS d, " +
			"printf('%.3s', msg) AS e, printf('%e', latency) AS f, printf('%%%s', service) AS g, printf('%-8d|', count) AS h, printf('%08.3f', latency) AS i, printf('%i', user.id) AS j, printf('%10s|', level) AS k",
		where: "true",
	},

	// Hashing.
	{ // 78: DuckDB hashes VARCHAR only; ours hashes the text of any value, DuckDB's side casts.
		items:     "md5(msg) AS a, sha1(user.name) AS b, sha256(msg) AS c, md5(user.id) AS d, sha256(level || service) AS e, md5('') AS f",
		duckItems: "md5(msg) AS a, sha1(user.name) AS b, sha256(msg) AS c, md5(user.id::VARCHAR) AS d, sha256(level || service) AS e, md5('') AS f",
		where:     "true",
	},

	// Numbers. DuckDB fails the query on a domain error (sqrt(-1), ln(0)),
	// ours gives NULL (TestEvalDialect); the corpus stays inside the domains.
	{items: "greatest(count, status) AS a, least(count, status, user.id) AS b, greatest(latency, count) AS c, least(level, service) AS d, greatest(count, NULL) AS e, greatest(msg, level, service) AS f, least(NULL, latency) AS g", where: "true"}, // 79
	{items: "sign(count) AS a, sign(latency) AS b, sign(status - 200) AS c, sign(bytes) AS d", where: "true"},                                                                                                                                        // 80
	{items: "sqrt(abs(count)) AS a, ln(abs(latency) + 1) AS b, log(abs(count) + 1) AS c, log10(status + 2) AS d, log2(abs(count) + 1) AS e, exp(count / 100) AS f, exp(latency) AS g, log(2, abs(count) + 1) AS h", where: "true"},                   // 81
	{items: "pow(count, 2) AS a, power(latency, 0.5) AS b, pow(2, count / 100) AS c, pow(status, -1) AS d, pow(count, 0) AS e", where: "true"},                                                                                                       // 82
	{items: "trunc(latency) AS a, trunc(latency, 2) AS b, trunc(count) AS c, trunc(latency, -2) AS d, mod(count, 7) AS e, mod(latency, 3) AS f, mod(count, 0) AS g, mod(-count, 7) AS h", where: "true"},                                             // 83
	{items: "cbrt(latency) AS a, pi() * count AS b, isnan(pow(latency, 0.5)) AS c, isinf(exp(latency)) AS d, isfinite(latency) AS e, ceiling(latency) AS f, floor(latency) AS g", where: "true"},                                                     // 84

	// Conditionals and predicates.
	{items: "if(ok, 'yes', 'no') AS a, if(status >= 400, status, NULL) AS b, if(level = 'error', 1, 0) AS c, if(NULL, 1, 2) AS d", where: "true"}, // 85
	{ // 86
		items: "level IS DISTINCT FROM 'info' AS a, level IS NOT DISTINCT FROM 'info' AS b, user.name IS DISTINCT FROM NULL AS c, status IS NOT DISTINCT FROM count AS d, " +
			"NULL IS NOT DISTINCT FROM user.id AS e, latency IS DISTINCT FROM 42 AS f",
		where: "true",
	},
	{items: "ok IS TRUE AS a, ok IS NOT TRUE AS b, ok IS FALSE AS c, ok IS NOT FALSE AS d, (status > 300) IS TRUE AS e, (user.name = 'alice') IS NOT FALSE AS f", where: "true"}, // 87
	{items: "status, ok", where: "ok IS NOT TRUE AND status IS DISTINCT FROM 200"},                                                                                               // 88
	{ // 89: DuckDB has no NOT GLOB; its side says NOT (… GLOB …).
		items:     "msg GLOB '*ok' AS a, msg GLOB 'user*' AS b, service GLOB '[a-c]*' AS c, service GLOB '[!a-c]*' AS d, level GLOB '?????' AS e, msg GLOB '*[0-9][0-9]*' AS f, msg NOT GLOB '*!*' AS g, msg GLOB '100\\%*' AS h, msg GLOB '*\\*' AS i",
		duckItems: "msg GLOB '*ok' AS a, msg GLOB 'user*' AS b, service GLOB '[a-c]*' AS c, service GLOB '[!a-c]*' AS d, level GLOB '?????' AS e, msg GLOB '*[0-9][0-9]*' AS f, NOT (msg GLOB '*!*') AS g, msg GLOB '100\\%*' AS h, msg GLOB '*\\*' AS i",
		where:     "true",
	},
	{ // 90
		items: "msg SIMILAR TO 'user.*' AS a, msg NOT SIMILAR TO '.*[0-9].*' AS b, msg ~ '.*(error|ERROR).*' AS c, msg !~ '[a-z ]+' AS d, service ~ '[a-z]+(-[a-z]+)?' AS e, " +
			"msg ~~ '%ok' AS f, msg !~~ 'user%' AS g, msg ~~* '%TIMEOUT%' AS h, msg !~~* 'E%' AS i, user.name SIMILAR TO '\\p{Lu}.*' AS j",
		where: "true",
	},
	{items: "msg", where: "msg ~ '.*[0-9]+.*' AND NOT msg SIMILAR TO 'GET.*'"}, // 91

	// Time. ts is an RFC 3339 string to us (the functions read it as a
	// timestamp) and a TIMESTAMP column to DuckDB, so most statements are the
	// same text on both sides.
	{items: "year(ts) AS a, month(ts) AS b, day(ts) AS c, hour(ts) AS d, minute(ts) AS e, second(ts) AS f, dayofweek(ts) AS g, dayofyear(ts) AS h, week(ts) AS i, quarter(ts) AS j, isodow(ts) AS k, isoyear(ts) AS l, yearweek(ts) AS m, weekofyear(ts) AS n, dayofmonth(ts) AS o", where: "true"}, // 92
	{ // 93
		items: "date_part('year', ts) AS a, date_part('ms', ts) AS b, date_part('us', ts) AS c, date_part('epoch', ts) AS d, extract(month FROM ts) AS e, extract('dow' FROM ts) AS f, extract(epoch FROM ts) AS g, " +
			"date_part('decade', ts) AS h, date_part('century', ts) AS i, millisecond(ts) AS j, microsecond(ts) AS k, epoch(ts) AS l, era(ts) AS m, datepart('minute', ts) AS n, extract(doy FROM ts::DATE) AS o, millennium(ts) AS p",
		duckItems: "date_part('year', ts) AS a, date_part('ms', ts) AS b, date_part('us', ts) AS c, date_part('epoch', ts) AS d, extract(month FROM ts) AS e, extract('dow' FROM ts) AS f, extract(epoch FROM ts) AS g, " +
			"date_part('decade', ts) AS h, date_part('century', ts) AS i, millisecond(ts) AS j, microsecond(ts) AS k, epoch(ts) AS l, era(ts) AS m, datepart('minute', ts) AS n, extract(doy FROM TRY_CAST(ts AS DATE)) AS o, millennium(ts) AS p",
		where: "true",
	},
	{ // 94
		items: "date_trunc('month', ts) AS a, date_trunc('week', ts) AS b, date_trunc('hour', ts) AS c, date_trunc('quarter', ts) AS d, date_trunc('year', ts::DATE) AS e, date_trunc('second', ts) AS f, " +
			"date_trunc('ms', ts) AS g, date_trunc('decade', ts) AS h, date_trunc('minute', ts) AS i, date_trunc('day', ts) AS j, datetrunc('century', ts) AS k, date_trunc('week', ts::DATE) AS l",
		duckItems: "date_trunc('month', ts) AS a, date_trunc('week', ts) AS b, date_trunc('hour', ts) AS c, date_trunc('quarter', ts) AS d, date_trunc('year', TRY_CAST(ts AS DATE)) AS e, date_trunc('second', ts) AS f, " +
			"date_trunc('ms', ts) AS g, date_trunc('decade', ts) AS h, date_trunc('minute', ts) AS i, date_trunc('day', ts) AS j, datetrunc('century', ts) AS k, date_trunc('week', TRY_CAST(ts AS DATE)) AS l",
		where: "true",
	},
	{items: "dayname(ts) AS a, monthname(ts) AS b, last_day(ts) AS c, epoch_us(ts) AS d, epoch_ms(ts) AS e", where: "true"}, // 95
	{ // 96: DuckDB's to_timestamp gives a TIMESTAMPTZ: the same instant.
		items: "to_timestamp(epoch) AS a, to_timestamp(ms / 1000) AS b, make_timestamp(ms * 1000) AS c, make_date(2024, month(ts), day(ts)) AS d, " +
			"make_timestamp(year(ts), month(ts), day(ts), hour(ts), minute(ts), second(ts) + 0.5) AS e, make_timestamp(2024, 2, 29, 23, 59, 59.999999) AS f",
		where: "true",
	},
	{ // 97: DuckDB's strptime fails the query on a string that does not match; its try_strptime is our strptime.
		items: "strptime(strftime(ts, '%d/%m/%Y %H:%M:%S'), '%d/%m/%Y %H:%M:%S') AS a, strptime(seen_at, '%Y-%m-%dT%H:%M:%SZ') AS b, strptime(seen_at, '%Y-%m-%d %H:%M:%S') AS c, " +
			"strptime(seen_at, '%Y-%m-%dT%H:%M:%S%z') AS d, strptime(seen_at, '%Y-%m-%d') AS e, strptime(strftime(ts, '%A %B %-d %Y %I:%M:%S.%f %p'), '%A %B %d %Y %I:%M:%S.%f %p') AS f, " +
			"try_strptime(strftime(ts, '%j/%y %H%M%S.%g'), '%j/%y %H%M%S.%g') AS g, strptime(strftime(ts, '%a, %d %b %Y %T'), '%a, %d %b %Y %H:%M:%S') AS h",
		duckItems: "strptime(strftime(ts, '%d/%m/%Y %H:%M:%S'), '%d/%m/%Y %H:%M:%S') AS a, try_strptime(seen_at, '%Y-%m-%dT%H:%M:%SZ') AS b, try_strptime(seen_at, '%Y-%m-%d %H:%M:%S') AS c, " +
			"try_strptime(seen_at, '%Y-%m-%dT%H:%M:%S%z') AS d, try_strptime(seen_at, '%Y-%m-%d') AS e, strptime(strftime(ts, '%A %B %-d %Y %I:%M:%S.%f %p'), '%A %B %d %Y %I:%M:%S.%f %p') AS f, " +
			"try_strptime(strftime(ts, '%j/%y %H%M%S.%g'), '%j/%y %H%M%S.%g') AS g, strptime(strftime(ts, '%a, %d %b %Y %H:%M:%S'), '%a, %d %b %Y %H:%M:%S') AS h",
		where: "true",
	},
	{ // 98
		items: "date_diff('day', ts, TIMESTAMP '2024-03-01') AS a, date_diff('hour', TIMESTAMP '2024-03-01 12:30', ts) AS b, date_diff('minute', ts, to_timestamp(epoch)) AS c, date_diff('second', ts, TIMESTAMP '2024-02-01') AS d, " +
			"date_diff('ms', ts, TIMESTAMP '2024-02-01') AS e, date_diff('week', ts, TIMESTAMP '2024-03-01') AS f, date_diff('month', ts, TIMESTAMP '2024-12-25') AS g, date_diff('quarter', TIMESTAMP '2023-11-30', ts) AS h, " +
			"date_diff('year', ts, to_timestamp(epoch)) AS i, datediff('day', ts::DATE, DATE '2024-02-29') AS j, date_diff('us', ts, TIMESTAMP '2024-02-01') AS k, date_diff('decade', ts, to_timestamp(epoch)) AS l",
		duckItems: "date_diff('day', ts, TIMESTAMP '2024-03-01') AS a, date_diff('hour', TIMESTAMP '2024-03-01 12:30', ts) AS b, date_diff('minute', ts, to_timestamp(epoch)::TIMESTAMP) AS c, date_diff('second', ts, TIMESTAMP '2024-02-01') AS d, " +
			"date_diff('ms', ts, TIMESTAMP '2024-02-01') AS e, date_diff('week', ts, TIMESTAMP '2024-03-01') AS f, date_diff('month', ts, TIMESTAMP '2024-12-25') AS g, date_diff('quarter', TIMESTAMP '2023-11-30', ts) AS h, " +
			"date_diff('year', ts, to_timestamp(epoch)::TIMESTAMP) AS i, datediff('day', TRY_CAST(ts AS DATE), DATE '2024-02-29') AS j, date_diff('us', ts, TIMESTAMP '2024-02-01') AS k, date_diff('decade', ts, to_timestamp(epoch)::TIMESTAMP) AS l",
		where: "true",
	},
	{ // 99
		items: "ts + INTERVAL 1 DAY AS a, ts + INTERVAL '1 month' AS b, ts - INTERVAL '2 hours 30 minutes' AS c, date_add(ts, INTERVAL 3 MONTH) AS d, INTERVAL '1 year' + ts AS e, ts + INTERVAL '00:00:01.5' AS f, " +
			"ts::DATE + INTERVAL 1 DAY AS g, ts::DATE + 5 AS h, ts + INTERVAL 1 WEEK AS i, ts + INTERVAL '-1 day' AS j, ts + INTERVAL 2 QUARTER AS k, ts + INTERVAL '1.5 days' AS l, ts - INTERVAL '1 month 1 day' AS m, " +
			"ts::DATE - 1 AS n, ts + INTERVAL (90) MINUTE AS o, ts + INTERVAL '3' HOUR AS p, ts + INTERVAL '1 day 02:00:00' AS q, ts - INTERVAL 1 YEAR AS r",
		duckItems: "ts + INTERVAL 1 DAY AS a, ts + INTERVAL '1 month' AS b, ts - INTERVAL '2 hours 30 minutes' AS c, date_add(ts, INTERVAL 3 MONTH) AS d, INTERVAL '1 year' + ts AS e, ts + INTERVAL '00:00:01.5' AS f, " +
			"TRY_CAST(ts AS DATE) + INTERVAL 1 DAY AS g, TRY_CAST(ts AS DATE) + 5 AS h, ts + INTERVAL 1 WEEK AS i, ts + INTERVAL '-1 day' AS j, ts + INTERVAL 2 QUARTER AS k, ts + INTERVAL '1.5 days' AS l, ts - INTERVAL '1 month 1 day' AS m, " +
			"TRY_CAST(ts AS DATE) - 1 AS n, ts + INTERVAL (90) MINUTE AS o, ts + INTERVAL '3' HOUR AS p, ts + INTERVAL '1 day 02:00:00' AS q, ts - INTERVAL 1 YEAR AS r",
		where: "true",
	},
	{ // 100
		items:     "ts::TIMESTAMP AS t",
		duckItems: "ts AS t",
		where:     "date_trunc('day', ts) = TIMESTAMP '2024-02-29' OR (hour(ts) = 23 AND dayname(ts) = 'Sunday') OR ts + INTERVAL 1 MONTH < TIMESTAMP '2024-02-01'",
	},

	// Narrow types: cast exactly as DuckDB, stored as INT32 / INT64 / DOUBLE.
	{ // 101
		items:     "count::TINYINT AS a, count::SMALLINT AS b, bytes::SMALLINT AS c, code::TINYINT AS d, CAST(status AS UTINYINT) AS e, bytes::USMALLINT AS f, bytes::UINTEGER AS g, code::INT2 AS h, latency::TINYINT AS i, flag::TINYINT AS j",
		duckItems: "TRY_CAST(count AS TINYINT) AS a, TRY_CAST(count AS SMALLINT) AS b, TRY_CAST(bytes AS SMALLINT) AS c, TRY_CAST(code AS TINYINT) AS d, TRY_CAST(status AS UTINYINT) AS e, TRY_CAST(bytes AS USMALLINT) AS f, TRY_CAST(bytes AS UINTEGER) AS g, TRY_CAST(code AS INT2) AS h, TRY_CAST(latency AS TINYINT) AS i, TRY_CAST(flag AS TINYINT) AS j",
		where:     "true",
	},
	{ // 102
		items:     "latency::FLOAT AS a, code::REAL AS b, bytes::FLOAT4 AS c, count::FLOAT AS d, CAST(latency AS FLOAT) * 2 AS e, latency::FLOAT::VARCHAR AS f",
		duckItems: "TRY_CAST(latency AS FLOAT)::DOUBLE AS a, TRY_CAST(code AS REAL)::DOUBLE AS b, TRY_CAST(bytes AS FLOAT4)::DOUBLE AS c, TRY_CAST(count AS FLOAT)::DOUBLE AS d, TRY_CAST(latency AS FLOAT)::DOUBLE * 2 AS e, TRY_CAST(TRY_CAST(latency AS FLOAT)::DOUBLE AS VARCHAR) AS f",
		where:     "true",
	},

	// Lists: tags is a JSON array to us, a VARCHAR[] to DuckDB. The functions
	// count from 1 as DuckDB's do; a path index stays 0-based (statement 59).
	{ // 103
		items: "len(tags) AS a, array_length(tags) AS b, list_contains(tags, 'prod') AS c, array_contains(tags, '') AS d, list_has(tags, 'α') AS e, list_position(tags, 'beta') AS f, " +
			"list_extract(tags, 1) AS g, list_extract(tags, -1) AS h, list_element(tags, 3) AS i, array_extract(tags, 0) AS j, list_indexof(tags, 'prod') AS k, array_position(tags, level) AS l",
		where: "true",
	},
	{items: "array_to_string(tags, ',') AS a, array_to_string(tags, ' | ') AS b, list_contains(tags, NULL) AS c, list_extract(tags, count % 5) AS d", where: "true"}, // 104
	{items: "tags[1] AS t", where: "list_contains(tags, 'prod') AND len(tags) > 1"},                                                                                  // 105

	// JSON: user and tags are JSON to us, a STRUCT and a VARCHAR[] to
	// DuckDB; its side reads them through to_json. Where user lacks a key,
	// to_json has it as null (-> gives JSON null there, SQL NULL here), so
	// the statements with -> on user keep records whose user has both keys.
	{ // 106
		items: "user->>'name' AS a, user->>'id' AS b, (user->>'$.name') AS c, tags->>0 AS d, tags->>-1 AS e, json_extract_string(user, 'name') AS f, json_extract_string(tags, '$[1]') AS g, " +
			"tags->>'$[#-1]' AS h, json_array_length(tags) AS i, json_array_length(user) AS j, json_type(user) AS l, json_type(tags) AS m, tags->>5 AS n",
		duckItems: "to_json(user)->>'name' AS a, to_json(user)->>'id' AS b, (to_json(user)->>'$.name') AS c, to_json(tags)->>0 AS d, to_json(tags)->>-1 AS e, json_extract_string(to_json(user), 'name') AS f, json_extract_string(to_json(tags), '$[1]') AS g, " +
			"to_json(tags)->>'$[#-1]' AS h, json_array_length(to_json(tags)) AS i, json_array_length(to_json(user)) AS j, json_type(to_json(user)) AS l, json_type(to_json(tags)) AS m, to_json(tags)->>5 AS n",
		where: "true",
	},
	{ // 107
		items: "user->'name' AS a, user->'id' AS b, user->'$' AS c, tags->0 AS d, json_extract(user, '$.id') AS e, json_type(user, '$.id') AS f, json_type(user, 'name') AS g, json_type(tags->0) AS h, " +
			"json_exists(user, '$.name') AS i, json_exists(tags, '$[3]') AS j, json_valid(msg) AS k, json_valid(user) AS l, (user->>'id')::INT64 + 1 AS m, user->'name'->>'$' AS o, json_array_length(user, '$.name') AS p",
		duckItems: "to_json(user)->'name' AS a, to_json(user)->'id' AS b, to_json(user)->'$' AS c, to_json(tags)->0 AS d, json_extract(to_json(user), '$.id') AS e, json_type(to_json(user), '$.id') AS f, json_type(to_json(user), 'name') AS g, json_type(to_json(tags)->0) AS h, " +
			"json_exists(to_json(user), '$.name') AS i, json_exists(to_json(tags), '$[3]') AS j, json_valid(msg) AS k, json_valid(to_json(user)) AS l, TRY_CAST(to_json(user)->>'id' AS BIGINT) + 1 AS m, to_json(user)->'name'->>'$' AS o, json_array_length(to_json(user), '$.name') AS p",
		where: "user.id IS NOT NULL AND user.name IS NOT NULL",
	},
	{ // 108: DuckDB's lpad takes an INTEGER length
		items:     "regexp_extract(level, '[a-z]+') AS a, regexp_replace(level, 'o', '0', 'g') AS b, split_part(level, 'o', 1) AS c, split_part(msg, level, 1) AS d, left(level, count) AS e, lpad(level, count % 10, service) AS f",
		duckItems: "regexp_extract(level, '[a-z]+') AS a, regexp_replace(level, 'o', '0', 'g') AS b, split_part(level, 'o', 1) AS c, split_part(msg, level, 1) AS d, left(level, count) AS e, lpad(level, (count % 10)::INTEGER, service) AS f",
		where:     "true",
	},
	{items: "strpos(level, msg) AS a, position(level IN service) AS b, reverse(level) AS c, repeat(level, count % 3) AS d, concat_ws(level, msg, service) AS e, ascii(level) AS f, strlen(level) AS g", where: "true"},    // 109
	{items: "md5(level) AS a, sha1(msg) AS b, greatest(status, count, NULL) AS c, least(user.id, bytes) AS d, sign(status) AS e, sqrt(abs(status)) AS f, pow(status, NULL) AS g, mod(count, status) AS h", where: "true"}, // 110
	{ // 111: DuckDB's trunc and round take INTEGER digits
		items:     "trunc(latency, count % 4) AS a, round(latency, count % 4) AS b, log(abs(status) + 2) AS c, exp(count / 1000) AS d, ln(abs(count) + 1) * 2 AS e",
		duckItems: "trunc(latency, (count % 4)::INTEGER) AS a, round(latency, (count % 4)::INTEGER) AS b, log(abs(status) + 2) AS c, exp(count / 1000) AS d, ln(abs(count) + 1) * 2 AS e",
		where:     "true",
	},
	{items: "if(ok, level, service) AS a, if(ok IS NULL, 'none', 'some') AS b, ok IS DISTINCT FROM (status = 200) AS c, level IS NOT DISTINCT FROM service AS d, (count > 0) IS FALSE AS e", where: "true"}, // 112
	{items: "msg GLOB '*ok*' AS a, level GLOB 'info' AS b, service GLOB '*i*' AS c, msg ~ '.*' AS d, level ~ 'INFO|info' AS e, user.name ~ '.*é.*' AS f", where: "true"},                                    // 113
	{ // 114: our ::TIMESTAMP applies the offset, as DuckDB's TIMESTAMPTZ does (statement 37)
		items:     "year(seen_at::TIMESTAMP) AS a, month(seen_at::DATE) AS b, date_trunc('day', seen_at::TIMESTAMP) AS c, dayname(seen_at::DATE) AS d, seen_at::DATE + 1 AS e, seen_at::TIMESTAMP + INTERVAL 1 HOUR AS f",
		duckItems: "year(TRY_CAST(seen_at AS TIMESTAMPTZ)) AS a, month(TRY_CAST(TRY_CAST(seen_at AS TIMESTAMPTZ) AS DATE)) AS b, date_trunc('day', TRY_CAST(seen_at AS TIMESTAMPTZ)) AS c, dayname(TRY_CAST(TRY_CAST(seen_at AS TIMESTAMPTZ) AS DATE)) AS d, TRY_CAST(TRY_CAST(seen_at AS TIMESTAMPTZ) AS DATE) + 1 AS e, TRY_CAST(seen_at AS TIMESTAMPTZ) + INTERVAL 1 HOUR AS f",
		where:     "true",
	},
	{items: "strftime(date_trunc('week', ts), '%Y-%m-%d') AS a, strftime(ts + INTERVAL '1 day', '%A') AS b, date_diff('day', date_trunc('month', ts), ts) AS c, day(last_day(ts)) AS d, epoch(date_trunc('hour', ts)) AS e", where: "true"},                       // 115
	{items: "extract(hour FROM ts) * 60 + extract(minute FROM ts) AS a, date_part('second', ts) + date_part('ms', ts) % 1000 / 1000 AS b, week(ts) - week(date_trunc('year', ts)) AS c, quarter(ts) * 3 AS d", where: "true"},                                     // 116
	{items: "concat_ws('/', year(ts), lpad(month(ts)::VARCHAR, 2, '0'), lpad(day(ts)::VARCHAR, 2, '0')) AS a, format('{}-{}', year(ts), monthname(ts)) AS b, printf('%04d-%02d', year(ts), month(ts)) AS c", where: "true"},                                       // 117
	{items: "upper(left(service, 1)) || lower(substring(service FROM 2)) AS a, regexp_replace(lower(msg), '[^a-z]+', '_', 'g') AS b, split_part(regexp_extract(msg, '/[a-z0-9/]+'), '/', 2) AS c, reverse(reverse(msg)) = msg AS d", where: "true"},               // 118
	{items: "length(md5(msg)) AS a, left(sha256(coalesce(user.name, '')), 12) AS b, md5(concat_ws(':', service, user.id)) AS c, sha1(lower(trim(coalesce(user.name, '')))) AS d", where: "true"},                                                                  // 119
	{items: "CASE WHEN msg ~ '.*[0-9].*' THEN 'digits' WHEN msg GLOB '*!*' THEN 'bang' ELSE 'plain' END AS a, CASE sign(count) WHEN -1 THEN 'neg' WHEN 0 THEN 'zero' ELSE 'pos' END AS b, if(greatest(count, status) > 500, 'big', 'small') AS c", where: "true"}, // 120
	{items: "strpos(lower(msg), 'error') > 0 AS a, starts_with(lower(msg), 'get') AS b, suffix(service, 'api') OR prefix(service, 'auth') AS c, contains(msg, chr(33)) AS d", where: "true"},                                                                      // 121
	{items: "trunc(latency / 100) * 100 AS a, round(latency / 3, 3) AS b, floor(latency / 7) AS c, ceiling(latency * 1.5) AS d, mod(trunc(latency), 10) AS e, sign(latency - 500) AS f", where: "true"},                                                           // 122
	{items: "greatest(length(msg), length(user.name), 3) AS a, least(strlen(msg), 10) AS b, abs(length(msg) - strlen(msg)) AS c, log2(length(msg) + 1) AS d, sqrt(length(msg)) AS e", where: "true"},                                                              // 123
	{items: "msg", where: "regexp_matches(msg, '[0-9]') AND NOT msg GLOB 'GET*'"},                                                 // 124
	{items: "service", where: "service SIMILAR TO '[a-z]+' OR service ~~* 'AUTH%'"},                                               // 125
	{items: "status, count", where: "greatest(status, count) BETWEEN 100 AND 300 AND sign(count) IS DISTINCT FROM -1"},            // 126
	{items: "level", where: "split_part(msg, ' ', 1) IN ('user', 'GET', 'POST') AND level IS NOT NULL"},                           // 127
	{items: "latency", where: "sqrt(abs(latency)) > 10 AND trunc(latency) % 2 = 0"},                                               // 128
	{items: "ts::TIMESTAMP AS t", duckItems: "ts AS t", where: "date_part('dow', ts) IN (0, 6) AND hour(ts) < 6"},                 // 129
	{items: "ts::TIMESTAMP AS t", duckItems: "ts AS t", where: "ts + INTERVAL 30 DAY > TIMESTAMP '2024-05-01' AND month(ts) = 4"}, // 130
	{items: "user.name AS n", where: "ascii(user.name) > 127 OR strlen(user.name) <> length(user.name)"},                          // 131
	{items: "tags[1] AS t", where: "list_position(tags, 'beta') = 2 OR array_to_string(tags, '') = ''"},                           // 132
	{items: "msg", where: "(ok IS TRUE AND msg !~ '.*[A-Z].*') OR (ok IS FALSE AND msg NOT SIMILAR TO '.*[a-z].*')"},              // 133
	{items: "regexp_extract('abc123def', '[0-9]+') AS a, regexp_extract('abc', '(x)?', 1) AS b, regexp_replace('aaa', 'a', 'b') AS c, regexp_replace('aaa', 'a', 'b', 'g') AS d, regexp_replace('abc', '(b)', '[\\1]') AS e, regexp_replace('abc', 'x*', '-', 'g') AS f, regexp_replace('abc', 'b*', '-', 'g') AS g", where: "true"},                                                                                                                                                                                                                                                                                                                       // 134
	{items: "split_part('a,b,c', ',', 2) AS a, split_part('a,b,c', ',', -1) AS b, split_part('a,b,c', ',', 0) AS c, split_part('a,b,c', ',', 5) AS d, split_part('abc', '', 2) AS e, split_part('', ',', 1) AS f, split_part('a,,b', ',', 2) AS g, split_part('ab', 'ab', 2) AS h", where: "true"},                                                                                                                                                                                                                                                                                                                                                         // 135
	{items: "left('héllo', 2) AS a, left('abc', -1) AS b, right('héllo', 2) AS c, right('abc', -1) AS d, left('abc', 0) AS e, right('abc', 10) AS f, left('', 3) AS g, right('abc', -10) AS h", where: "true"},                                                                                                                                                                                                                                                                                                                                                                                                                                             // 136
	{items: "lpad('abc', 5, 'xy') AS a, lpad('abcdef', 3, 'x') AS b, rpad('abc', 6, 'xy') AS c, lpad('abc', 3, '') AS d, lpad('abc', -1, 'x') AS e, rpad('é', 3, 'ü') AS f, rpad('abcdef', 2, 'x') AS g, lpad('', 2, 'ab') AS h", where: "true"},                                                                                                                                                                                                                                                                                                                                                                                                           // 137
	{items: "strpos('hello', 'l') AS a, strpos('héllo', 'l') AS b, instr('abc', '') AS c, position('l' IN 'hello') AS d, strpos('abc', 'z') AS e, strpos('', '') AS f, position('' IN '') AS g", where: "true"},                                                                                                                                                                                                                                                                                                                                                                                                                                            // 138
	{items: "reverse('héllo') AS a, repeat('ab', 3) AS b, repeat('ab', 0) AS c, concat_ws(',', 'a', NULL, 'b') AS d, concat_ws(',', 1, true, 2.5) AS e, reverse('') AS f, repeat('', 5) AS g, concat_ws('-', NULL) AS h", where: "true"},                                                                                                                                                                                                                                                                                                                                                                                                                   // 139
	{items: "ascii('é') AS a, ascii('') AS b, chr(233) AS c, chr(128077) AS d, strlen('é') AS e, length('é') AS f, char_length('👍🏽') AS g, strlen('👍🏽') AS h, lcase('ÀB') AS i, ucase('àb') AS j", where: "true"},                                                                                                                                                                                                                                                                                                                                                                                                                                          // 140
	{items: "trim(BOTH 'x' FROM 'xxaxx') AS a, trim(LEADING 'x' FROM 'xxaxx') AS b, trim(TRAILING 'x' FROM 'xxaxx') AS c, trim(LEADING FROM '  a  ') AS d, trim('  a ') AS e, ltrim('xxa', 'x') AS f, rtrim('axyx', 'xy') AS g, trim(FROM '  a  ') AS h, trim('ab' FROM 'abcba') AS i", where: "true"},                                                                                                                                                                                                                                                                                                                                                     // 141
	{items: "substring('hello' FROM 2 FOR 3) AS a, substring('hello' FROM 2) AS b, substring('hello' FOR 2) AS c, substring('héllo' FROM -2) AS d, substring('hello' FROM 10) AS e, substring('hello' FROM 2 FOR 0) AS f", where: "true"},                                                                                                                                                                                                                                                                                                                                                                                                                  // 142
	{items: "format('{} and {}', 'a', 1) AS a, format('x{{}}y', 1) AS b, format('{} {}', 1.5, true) AS c, format('{}', DATE '2024-01-01') AS d, format('{1}{0}{1}', 'a', 'b') AS e, format('plain') AS f, format('{}', 'ü') AS g", where: "true"},                                                                                                                                                                                                                                                                                                                                                                                                          // 143
	{items: "printf('%s-%d', 'a', 42) AS a, printf('%x|%X|%o', 255, 255, 8) AS b, printf('%5d|%-5s|%05d', 42, 'ab', 7) AS c, printf('%.3s', 'abcdef') AS d, printf('%%') AS e, printf('%s %d', true, true) AS f, printf('%+d % d', 5, 5) AS g, printf('%x', -1) AS h, printf('%-6.2s|', 'abc') AS i", where: "true"},                                                                                                                                                                                                                                                                                                                                       // 144
	{items: "printf('%.2f', 3.14159::DOUBLE) AS a, printf('%10.3f|', -3.14159::DOUBLE) AS b, printf('%e', 1234.5::DOUBLE) AS c, printf('%f', 1.5::DOUBLE) AS d, printf('%.0f', 2.5::DOUBLE) AS e, printf('%.1f', 0.05::DOUBLE) AS f, printf('%E', 0.000123::DOUBLE) AS g, printf('%08.2f', -1.5::DOUBLE) AS h, printf('%+.1e', 12345.678::DOUBLE) AS i", where: "true"},                                                                                                                                                                                                                                                                                    // 145
	{items: "md5('abc') AS a, sha1('abc') AS b, sha256('abc') AS c, md5('') AS d, sha256('é') AS e, md5(NULL) AS f", where: "true"},                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                        // 146
	{items: "greatest(1, 2.5, NULL) AS a, least('b', 'a') AS b, greatest(1, 3) AS c, least(NULL, 2) AS d, greatest('a', 'B') AS e, least(DATE '2024-01-01', DATE '2023-01-01') AS f, greatest(TIMESTAMP '2024-01-01', TIMESTAMP '2024-01-02') AS g", where: "true"},                                                                                                                                                                                                                                                                                                                                                                                        // 147
	{items: "sign(-3) AS a, sign(0) AS b, sign(2.5) AS c, sign(-0.0) AS d, sqrt(2) AS e, cbrt(27) AS f, pow(2, 10) AS g, power(2, 0.5) AS h, pow(-8, 1.0 / 3) AS i, pow(0, -1) AS j, exp(1) AS k, exp(1000) AS l", where: "true"},                                                                                                                                                                                                                                                                                                                                                                                                                          // 148
	{items: "ln(1) AS a, log(100) AS b, log(2, 8) AS c, log10(1000) AS d, log2(8) AS e, ln(2.718281828459045) AS f, log(10, 0.001) AS g, log2(0.5) AS h, pi() AS i, isnan(pow(-1, 0.5)) AS j, isinf(exp(1000)) AS k, isfinite(1.0) AS l", where: "true"},                                                                                                                                                                                                                                                                                                                                                                                                   // 149
	{items: "trunc(2.7) AS a, trunc(-2.7) AS b, trunc(5) AS c, trunc(2.567, 2) AS d, trunc(-2.567, 1) AS e, trunc(1234.5, -2) AS f, mod(7, 3) AS g, mod(-7, 3) AS h, mod(7.5, 2) AS i, mod(7, 0) AS j, ceiling(2.1) AS k, ceil(-2.1) AS l, floor(-2.1) AS m", where: "true"},                                                                                                                                                                                                                                                                                                                                                                               // 150
	{items: "if(true, 1, 2) AS a, if(NULL, 1, 2) AS b, if(false, 'a', 'b') AS c, NULL IS DISTINCT FROM NULL AS d, 1 IS DISTINCT FROM NULL AS e, 1 IS NOT DISTINCT FROM 1 AS f, NULL IS TRUE AS g, NULL IS NOT FALSE AS h, true IS TRUE AS i, false IS NOT TRUE AS j, 1 IS TRUE AS k, 0 IS FALSE AS l", where: "true"},                                                                                                                                                                                                                                                                                                                                      // 151
	{items: "'a/b.txt' GLOB '*.txt' AS a, 'abc' GLOB 'a?c' AS b, 'abc' GLOB '[ab]*' AS c, 'abc' GLOB '[!a]*' AS d, 'a*c' GLOB 'a\\*c' AS e, 'abc' GLOB 'a\\*c' AS f, 'ABC' GLOB 'a*' AS g, '' GLOB '*' AS h, 'b' GLOB '[a-c]' AS i, 'x' GLOB '[!a-c]' AS j", where: "true"},                                                                                                                                                                                                                                                                                                                                                                                // 152
	{items: "'abc' ~ 'b' AS a, 'abc' ~ '^a.*c$' AS b, 'abc' !~ 'b' AS c, 'abc' SIMILAR TO 'b' AS d, 'abc' SIMILAR TO 'a.c' AS e, 'abc' NOT SIMILAR TO 'a.*' AS f, 'abc' ~~ 'a%' AS g, 'ABC' ~~* 'a%' AS h, 'abc' !~~ 'a%' AS i, 'ABC' !~~* 'a%' AS j", where: "true"},                                                                                                                                                                                                                                                                                                                                                                                      // 153
	{items: "date_trunc('month', TIMESTAMP '2024-05-17 10:11:12.5') AS a, date_trunc('week', DATE '2024-05-17') AS b, date_trunc('quarter', DATE '2024-05-17') AS c, date_trunc('second', TIMESTAMP '2024-05-17 10:11:12.5') AS d, date_trunc('century', DATE '2024-05-17') AS e, date_trunc('millennium', DATE '2024-05-17') AS f, date_trunc('decade', DATE '2024-05-17') AS g", where: "true"},                                                                                                                                                                                                                                                          // 154
	{items: "date_part('year', TIMESTAMP '2024-05-17 10:11:12.345678') AS a, date_part('second', TIMESTAMP '2024-05-17 10:11:12.5') AS b, date_part('millisecond', TIMESTAMP '2024-05-17 10:11:12.345678') AS c, date_part('microsecond', TIMESTAMP '2024-05-17 10:11:12.345678') AS d, date_part('epoch', TIMESTAMP '2024-05-17 10:11:12.5') AS e, extract(dow FROM DATE '2024-05-19') AS f, extract(isodow FROM DATE '2024-05-19') AS g, week(DATE '2024-12-30') AS h, isoyear(DATE '2024-12-30') AS i, yearweek(DATE '2024-12-30') AS j", where: "true"},                                                                                                // 155
	{items: "quarter(DATE '2024-05-01') AS a, dayofyear(DATE '2024-12-31') AS b, decade(DATE '2024-01-01') AS c, century(DATE '2024-01-01') AS d, millennium(DATE '2024-01-01') AS e, era(DATE '2024-01-01') AS f, date_part('century', DATE '2000-05-17') AS g, date_part('decade', DATE '1999-01-01') AS h, date_part('isoyear', DATE '2021-01-01') AS i, date_part('week', DATE '2021-01-01') AS j", where: "true"},                                                                                                                                                                                                                                     // 156
	{items: "date_diff('day', TIMESTAMP '2024-01-01 23:00', TIMESTAMP '2024-01-02 01:00') AS a, date_diff('month', DATE '2024-01-31', DATE '2024-02-01') AS b, date_diff('year', DATE '2024-12-31', DATE '2025-01-01') AS c, date_diff('hour', TIMESTAMP '2024-01-01 10:59', TIMESTAMP '2024-01-01 11:01') AS d, date_diff('week', DATE '2024-01-01', DATE '2024-01-14') AS e, datediff('day', DATE '2024-01-05', DATE '2024-01-01') AS f, date_diff('quarter', DATE '2024-03-31', DATE '2024-04-01') AS g, date_diff('week', DATE '2024-01-06', DATE '2024-01-08') AS h, date_diff('century', DATE '2000-12-31', DATE '2001-01-01') AS i", where: "true"}, // 157
	{items: "TIMESTAMP '2024-01-31 10:00' + INTERVAL 1 MONTH AS a, TIMESTAMP '2024-01-31 10:00' + INTERVAL '1 month 2 days 3 hours' AS b, DATE '2024-01-31' + INTERVAL 1 DAY AS c, TIMESTAMP '2024-03-01' - INTERVAL '1 day' AS d, date_add(TIMESTAMP '2024-02-29', INTERVAL 1 YEAR) AS e, INTERVAL '90 minutes' + TIMESTAMP '2024-01-01' AS f, DATE '2024-01-01' + 5 AS g, TIMESTAMP '2024-01-01' + INTERVAL '1.5 seconds' AS h, TIMESTAMP '2024-01-01' + INTERVAL (3) HOUR AS i", where: "true"},                                                                                                                                                         // 158
	{items: "TIMESTAMP '2024-01-01' + INTERVAL '2 weeks' AS a, TIMESTAMP '2024-01-01' + INTERVAL '1 year 2 mons' AS b, TIMESTAMP '2024-01-01' + INTERVAL '00:30:00' AS c, TIMESTAMP '2024-01-01' + INTERVAL '-1 day' AS d, TIMESTAMP '2024-01-01' + INTERVAL 2 QUARTER AS e, TIMESTAMP '2024-01-01' + INTERVAL '3 ms' AS f, TIMESTAMP '2024-01-01' + INTERVAL '3 us' AS g, TIMESTAMP '2024-01-01' + INTERVAL '1 decade' AS h, TIMESTAMP '2024-05-31' - INTERVAL 3 MONTH AS i", where: "true"},                                                                                                                                                              // 159
	{items: "strptime('2024-05-17 10:11:12', '%Y-%m-%d %H:%M:%S') AS a, strptime('17/05/2024', '%d/%m/%Y') AS b, strptime('2024-05-17T10:11:12.123456Z', '%Y-%m-%dT%H:%M:%S.%fZ') AS c, strptime('2024-05-17 10:11:12 +0200', '%Y-%m-%d %H:%M:%S %z') AS d, strptime('May 17 2024 3PM', '%b %d %Y %I%p') AS e, try_strptime('x', '%Y') AS f, try_strptime('2024-1-2', '%Y-%m-%d') AS g, try_strptime(' 2024-01-02', '%Y-%m-%d') AS h", where: "true"},                                                                                                                                                                                                      // 160
	{items: "make_timestamp(2024, 5, 17, 10, 11, 12.5) AS a, make_date(2024, 2, 29) AS b, make_timestamp(1715940672500000) AS c, to_timestamp(1715940672.5) AS d, last_day(DATE '2024-02-10') AS e, dayname(DATE '2024-01-01') AS f, monthname(DATE '2024-01-01') AS g, epoch(TIMESTAMP '2024-01-01 00:00:01.5') AS h, epoch_us(TIMESTAMP '2024-01-01') AS i, epoch_ms(TIMESTAMP '2024-01-01') AS j", where: "true"},                                                                                                                                                                                                                                       // 161
	{ // 162
		items:     "'42'::TINYINT AS a, 300::SMALLINT AS b, (-129)::TINYINT AS c, 255::UTINYINT AS d, 65536::USMALLINT AS e, 0.1::FLOAT AS f, '1e3'::REAL AS g, 2.5::TINYINT AS h, '2.5'::SMALLINT AS i",
		duckItems: "TRY_CAST('42' AS TINYINT) AS a, TRY_CAST(300 AS SMALLINT) AS b, TRY_CAST(-129 AS TINYINT) AS c, TRY_CAST(255 AS UTINYINT) AS d, TRY_CAST(65536 AS USMALLINT) AS e, TRY_CAST(0.1 AS FLOAT)::DOUBLE AS f, TRY_CAST('1e3' AS REAL)::DOUBLE AS g, TRY_CAST(2.5::DOUBLE AS TINYINT) AS h, TRY_CAST('2.5' AS SMALLINT) AS i",
		where:     "true",
	},
	{items: "regexp_extract(msg, '([A-Za-z]+) ([A-Za-z]+)', 1) AS a, regexp_extract(msg, '(\\d+)', 1) AS b, regexp_replace(msg, '\\s+', ' ', 'g') AS c, regexp_replace(user.name, '(\\p{Ll})', '<\\1>') AS d, regexp_replace(service, '[aeiou]', '', 'g') AS e, regexp_matches(user.name, '^\\p{Lu}\\p{Ll}+$') AS f", where: "true"}, // 163
	{items: "split_part(service, ' ', 1) AS a, split_part(service, '_', 2) AS b, split_part(user.name, 'é', 1) AS c, split_part(msg, ' ', -2) AS d, split_part(msg, '  ', 1) AS e, split_part(msg, 'ß', 2) AS f", where: "true"},                                                                                                     // 164
	{items: "lpad(user.name, 10, '·') AS a, rpad(service, 15, '_') AS b, lpad(status::VARCHAR, 5, '0') AS c, rpad(msg, 3, 'x') AS d, lpad(msg, 40, '-=') AS e", where: "true"},                                                                                                                                                       // 165
	{items: "reverse(service) AS a, reverse(msg) = msg AS b, repeat('-', length(level)) AS c, repeat(user.name, 2) AS d, concat_ws(' ', reverse(level), upper(service)) AS e", where: "true"},                                                                                                                                        // 166
	{ // 167
		items:     "format('{}: {} ({})', service, msg, status) AS a, format('{0}{0}', level) AS b, printf('[%-10s] %5d %s', service, status, msg) AS c, printf('%08.3f|%+.2f', latency, latency) AS d, printf('%o/%X', user.id, user.id) AS e",
		duckItems: "format('{}: {} ({})', service, msg, status) AS a, format('{0}{0}', level) AS b, printf('[%-10s] %5d %s', service, status, msg) AS c, printf('%08.3f|%+.2f', latency, latency) AS d, printf('%o/%X', user.id, user.id) AS e",
		where:     "true",
	},
	{ // 168
		items:     "greatest(user.id, bytes, count) AS a, least(latency, status, count) AS b, greatest(level, 'm') AS c, least(user.name, service, msg) AS d, greatest(ts::TIMESTAMP, TIMESTAMP '2024-03-01') AS e",
		duckItems: "greatest(user.id, bytes, count) AS a, least(latency, status, count) AS b, greatest(level, 'm') AS c, least(user.name, service, msg) AS d, greatest(ts, TIMESTAMP '2024-03-01') AS e",
		where:     "true",
	},
	{items: "sign(bytes) * sqrt(abs(bytes % 1000000)) AS a, log10(abs(bytes % 1000000) + 1) AS b, pow(abs(latency), 1.0 / 3) AS c, exp(-abs(latency) / 1000) AS d, trunc(log2(abs(count) + 1)) AS e, mod(bytes, 1000) AS f", where: "true"},                                                                      // 169
	{items: "date_trunc('hour', ts) + INTERVAL 30 MINUTE AS a, date_diff('minute', date_trunc('hour', ts), ts) AS b, date_part('minute', ts) AS c, strftime(date_trunc('day', ts) - INTERVAL 1 DAY, '%Y-%m-%d') AS d, last_day(ts + INTERVAL 1 MONTH) AS e, dayofweek(ts + INTERVAL 3 DAY) AS f", where: "true"}, // 170
	{ // 171
		items:     "to_timestamp(epoch) + INTERVAL 1 HOUR AS a, date_diff('second', to_timestamp(epoch), epoch_ms(ms)) AS b, date_trunc('minute', epoch_ms(ms)) AS c, year(to_timestamp(epoch)) AS d, epoch(epoch_ms(ms)) AS e",
		duckItems: "to_timestamp(epoch)::TIMESTAMP + INTERVAL 1 HOUR AS a, date_diff('second', to_timestamp(epoch)::TIMESTAMP, epoch_ms(ms)) AS b, date_trunc('minute', epoch_ms(ms)) AS c, year(to_timestamp(epoch)) AS d, epoch(epoch_ms(ms)) AS e",
		where:     "true",
	},
	{ // 172
		items:     "if(list_contains(tags, 'prod'), 'prod', 'other') AS a, list_position(tags, tags->>0) AS b, len(tags) - 1 AS c, list_extract(tags, len(tags)) AS d",
		duckItems: "if(list_contains(tags, 'prod'), 'prod', 'other') AS a, list_position(tags, to_json(tags)->>0) AS b, len(tags) - 1 AS c, list_extract(tags, len(tags)) AS d",
		where:     "true",
	},
	{ // 173
		items:     "md5(user->>'name') AS a, upper(user->>'name') AS b, length(tags->>0) AS c, (user->>'id')::INT64 % 10 AS d, coalesce(user->>'name', 'anon') AS e",
		duckItems: "md5(to_json(user)->>'name') AS a, replace(upper(to_json(user)->>'name'), 'ẞ', 'ß') AS b, length(to_json(tags)->>0) AS c, TRY_CAST(to_json(user)->>'id' AS BIGINT) % 10 AS d, coalesce(to_json(user)->>'name', 'anon') AS e",
		where:     "true",
	},
	{items: "msg", where: "regexp_extract(msg, '[0-9]+') <> '' AND strpos(msg, ' ') > 0"},                 // 174
	{items: "user.name AS n", where: "lpad(user.name, 3, '*') = '***' OR right(user.name, 1) = 'e'"},      // 175
	{items: "service", where: "service GLOB '*-*' OR service GLOB '* *' OR service ~ '.*_[0-9]'"},         // 176
	{items: "level", where: "level IS DISTINCT FROM 'info' AND lower(level) IS NOT DISTINCT FROM 'info'"}, // 177
	{items: "count", where: "if(count > 0, count, -count) > 900"},                                         // 178
	{ // 179
		items:     "ts::TIMESTAMP AS t",
		duckItems: "ts AS t",
		where:     "date_trunc('month', ts) = TIMESTAMP '2024-02-01' AND dayofweek(ts) = 4",
	},
	{ // 180
		items:     "ts::TIMESTAMP AS t",
		duckItems: "ts AS t",
		where:     "date_diff('day', ts, TIMESTAMP '2024-01-10') BETWEEN 0 AND 3",
	},
	{items: "latency", where: "greatest(latency, 0) = 0 OR least(latency, 1) > 0.5"}, // 181
	{items: "msg", where: "md5(msg) < '4' AND length(sha1(msg)) = 40"},               // 182
	{ // 183
		items:     "user.id AS uid",
		duckItems: "user.id AS uid",
		where:     "(user->>'id')::INT64 > 900000",
	},
	{items: "reverse(msg) AS a, left(msg, 3) AS b, right(msg, 3) AS c, strlen(msg) AS d, ascii(msg) AS e, strpos(msg, 'e') AS f, split_part(msg, ' ', 2) AS g, lpad(msg, 12, '.') AS h, rpad(msg, 12, '.') AS i, md5(msg) AS j", where: "true"}, // 184
	{ // 185: DuckDB upper-cases ß to ẞ (see intendedDifferences).
		items:     "regexp_extract(msg, '\\p{L}+') AS a, regexp_replace(msg, '\\p{L}', '*', 'g') AS b, msg ~ '.*\\d.*' AS c, msg GLOB '*[0-9]*' AS d, msg SIMILAR TO '[[:alpha:] ]*' AS e, concat_ws('|', msg, upper(msg), lower(msg)) AS f, format('<{}>', msg) AS g, printf('%-12s|', msg) AS h",
		duckItems: "regexp_extract(msg, '\\p{L}+') AS a, regexp_replace(msg, '\\p{L}', '*', 'g') AS b, msg ~ '.*\\d.*' AS c, msg GLOB '*[0-9]*' AS d, msg SIMILAR TO '[[:alpha:] ]*' AS e, concat_ws('|', msg, replace(upper(msg), 'ẞ', 'ß'), lower(msg)) AS f, format('<{}>', msg) AS g, printf('%-12s|', msg) AS h",
		where:     "true",
	},
	{items: "reverse(user.name) AS a, left(user.name, 3) AS b, right(user.name, 3) AS c, strlen(user.name) AS d, ascii(user.name) AS e, strpos(user.name, 'e') AS f, split_part(user.name, ' ', 2) AS g, lpad(user.name, 12, '.') AS h, rpad(user.name, 12, '.') AS i, md5(user.name) AS j", where: "true"}, // 186
	{ // 187: DuckDB upper-cases ß to ẞ (see intendedDifferences).
		items:     "regexp_extract(user.name, '\\p{L}+') AS a, regexp_replace(user.name, '\\p{L}', '*', 'g') AS b, user.name ~ '.*\\d.*' AS c, user.name GLOB '*[0-9]*' AS d, user.name SIMILAR TO '[[:alpha:] ]*' AS e, concat_ws('|', user.name, upper(user.name), lower(user.name)) AS f, format('<{}>', user.name) AS g, printf('%-12s|', user.name) AS h",
		duckItems: "regexp_extract(user.name, '\\p{L}+') AS a, regexp_replace(user.name, '\\p{L}', '*', 'g') AS b, user.name ~ '.*\\d.*' AS c, user.name GLOB '*[0-9]*' AS d, user.name SIMILAR TO '[[:alpha:] ]*' AS e, concat_ws('|', user.name, replace(upper(user.name), 'ẞ', 'ß'), lower(user.name)) AS f, format('<{}>', user.name) AS g, printf('%-12s|', user.name) AS h",
		where:     "true",
	},
	{items: "reverse(service) AS a, left(service, 3) AS b, right(service, 3) AS c, strlen(service) AS d, ascii(service) AS e, strpos(service, 'e') AS f, split_part(service, ' ', 2) AS g, lpad(service, 12, '.') AS h, rpad(service, 12, '.') AS i, md5(service) AS j", where: "true"}, // 188
	{ // 189: DuckDB upper-cases ß to ẞ (see intendedDifferences).
		items:     "regexp_extract(service, '\\p{L}+') AS a, regexp_replace(service, '\\p{L}', '*', 'g') AS b, service ~ '.*\\d.*' AS c, service GLOB '*[0-9]*' AS d, service SIMILAR TO '[[:alpha:] ]*' AS e, concat_ws('|', service, upper(service), lower(service)) AS f, format('<{}>', service) AS g, printf('%-12s|', service) AS h",
		duckItems: "regexp_extract(service, '\\p{L}+') AS a, regexp_replace(service, '\\p{L}', '*', 'g') AS b, service ~ '.*\\d.*' AS c, service GLOB '*[0-9]*' AS d, service SIMILAR TO '[[:alpha:] ]*' AS e, concat_ws('|', service, replace(upper(service), 'ẞ', 'ß'), lower(service)) AS f, format('<{}>', service) AS g, printf('%-12s|', service) AS h",
		where:     "true",
	},
	{items: "reverse(level) AS a, left(level, 3) AS b, right(level, 3) AS c, strlen(level) AS d, ascii(level) AS e, strpos(level, 'e') AS f, split_part(level, ' ', 2) AS g, lpad(level, 12, '.') AS h, rpad(level, 12, '.') AS i, md5(level) AS j", where: "true"}, // 190
	{ // 191: DuckDB upper-cases ß to ẞ (see intendedDifferences).
		items:     "regexp_extract(level, '\\p{L}+') AS a, regexp_replace(level, '\\p{L}', '*', 'g') AS b, level ~ '.*\\d.*' AS c, level GLOB '*[0-9]*' AS d, level SIMILAR TO '[[:alpha:] ]*' AS e, concat_ws('|', level, upper(level), lower(level)) AS f, format('<{}>', level) AS g, printf('%-12s|', level) AS h",
		duckItems: "regexp_extract(level, '\\p{L}+') AS a, regexp_replace(level, '\\p{L}', '*', 'g') AS b, level ~ '.*\\d.*' AS c, level GLOB '*[0-9]*' AS d, level SIMILAR TO '[[:alpha:] ]*' AS e, concat_ws('|', level, replace(upper(level), 'ẞ', 'ß'), lower(level)) AS f, format('<{}>', level) AS g, printf('%-12s|', level) AS h",
		where:     "true",
	},
	{items: "reverse(code) AS a, left(code, 3) AS b, right(code, 3) AS c, strlen(code) AS d, ascii(code) AS e, strpos(code, 'e') AS f, split_part(code, ' ', 2) AS g, lpad(code, 12, '.') AS h, rpad(code, 12, '.') AS i, md5(code) AS j", where: "true"}, // 192
	{ // 193: DuckDB upper-cases ß to ẞ (see intendedDifferences).
		items:     "regexp_extract(code, '\\p{L}+') AS a, regexp_replace(code, '\\p{L}', '*', 'g') AS b, code ~ '.*\\d.*' AS c, code GLOB '*[0-9]*' AS d, code SIMILAR TO '[[:alpha:] ]*' AS e, concat_ws('|', code, upper(code), lower(code)) AS f, format('<{}>', code) AS g, printf('%-12s|', code) AS h",
		duckItems: "regexp_extract(code, '\\p{L}+') AS a, regexp_replace(code, '\\p{L}', '*', 'g') AS b, code ~ '.*\\d.*' AS c, code GLOB '*[0-9]*' AS d, code SIMILAR TO '[[:alpha:] ]*' AS e, concat_ws('|', code, replace(upper(code), 'ẞ', 'ß'), lower(code)) AS f, format('<{}>', code) AS g, printf('%-12s|', code) AS h",
		where:     "true",
	},
	{items: "reverse(flag) AS a, left(flag, 3) AS b, right(flag, 3) AS c, strlen(flag) AS d, ascii(flag) AS e, strpos(flag, 'e') AS f, split_part(flag, ' ', 2) AS g, lpad(flag, 12, '.') AS h, rpad(flag, 12, '.') AS i, md5(flag) AS j", where: "true"}, // 194
	{ // 195: DuckDB upper-cases ß to ẞ (see intendedDifferences).
		items:     "regexp_extract(flag, '\\p{L}+') AS a, regexp_replace(flag, '\\p{L}', '*', 'g') AS b, flag ~ '.*\\d.*' AS c, flag GLOB '*[0-9]*' AS d, flag SIMILAR TO '[[:alpha:] ]*' AS e, concat_ws('|', flag, upper(flag), lower(flag)) AS f, format('<{}>', flag) AS g, printf('%-12s|', flag) AS h",
		duckItems: "regexp_extract(flag, '\\p{L}+') AS a, regexp_replace(flag, '\\p{L}', '*', 'g') AS b, flag ~ '.*\\d.*' AS c, flag GLOB '*[0-9]*' AS d, flag SIMILAR TO '[[:alpha:] ]*' AS e, concat_ws('|', flag, replace(upper(flag), 'ẞ', 'ß'), lower(flag)) AS f, format('<{}>', flag) AS g, printf('%-12s|', flag) AS h",
		where:     "true",
	},
	{items: "date_part('year', ts) AS a, date_part('month', ts) AS b, date_part('day', ts) AS c, date_part('hour', ts) AS d, date_part('minute', ts) AS e, date_part('second', ts) AS f, date_part('week', ts) AS g, date_part('quarter', ts) AS h", where: "ts IS NOT NULL"},        // 196
	{items: "date_part('dow', ts) AS a, date_part('isodow', ts) AS b, date_part('doy', ts) AS c, date_part('epoch', ts) AS d, date_part('milliseconds', ts) AS e, date_part('microseconds', ts) AS f, date_part('isoyear', ts) AS g, date_part('yearweek', ts) AS h", where: "true"}, // 197
	{items: "date_trunc('microsecond', ts) AS t, date_diff('microsecond', ts, TIMESTAMP '2024-03-15 12:34:56.789') AS d, date_diff('microsecond', TIMESTAMP '2024-03-15 12:34:56.789', ts) AS e", where: "true"},                                                                     // 198
	{items: "date_trunc('millisecond', ts) AS t, date_diff('millisecond', ts, TIMESTAMP '2024-03-15 12:34:56.789') AS d, date_diff('millisecond', TIMESTAMP '2024-03-15 12:34:56.789', ts) AS e", where: "true"},                                                                     // 199
	{items: "date_trunc('second', ts) AS t, date_diff('second', ts, TIMESTAMP '2024-03-15 12:34:56.789') AS d, date_diff('second', TIMESTAMP '2024-03-15 12:34:56.789', ts) AS e", where: "true"},                                                                                    // 200
	{items: "date_trunc('minute', ts) AS t, date_diff('minute', ts, TIMESTAMP '2024-03-15 12:34:56.789') AS d, date_diff('minute', TIMESTAMP '2024-03-15 12:34:56.789', ts) AS e", where: "true"},                                                                                    // 201
	{items: "date_trunc('hour', ts) AS t, date_diff('hour', ts, TIMESTAMP '2024-03-15 12:34:56.789') AS d, date_diff('hour', TIMESTAMP '2024-03-15 12:34:56.789', ts) AS e", where: "true"},                                                                                          // 202
	{items: "date_trunc('day', ts) AS t, date_diff('day', ts, TIMESTAMP '2024-03-15 12:34:56.789') AS d, date_diff('day', TIMESTAMP '2024-03-15 12:34:56.789', ts) AS e", where: "true"},                                                                                             // 203
	{items: "date_trunc('week', ts) AS t, date_diff('week', ts, TIMESTAMP '2024-03-15 12:34:56.789') AS d, date_diff('week', TIMESTAMP '2024-03-15 12:34:56.789', ts) AS e", where: "true"},                                                                                          // 204
	{items: "date_trunc('month', ts) AS t, date_diff('month', ts, TIMESTAMP '2024-03-15 12:34:56.789') AS d, date_diff('month', TIMESTAMP '2024-03-15 12:34:56.789', ts) AS e", where: "true"},                                                                                       // 205
	{items: "date_trunc('quarter', ts) AS t, date_diff('quarter', ts, TIMESTAMP '2024-03-15 12:34:56.789') AS d, date_diff('quarter', TIMESTAMP '2024-03-15 12:34:56.789', ts) AS e", where: "true"},                                                                                 // 206
	{items: "date_trunc('year', ts) AS t, date_diff('year', ts, TIMESTAMP '2024-03-15 12:34:56.789') AS d, date_diff('year', TIMESTAMP '2024-03-15 12:34:56.789', ts) AS e", where: "true"},                                                                                          // 207
	{items: "date_trunc('decade', ts) AS t, date_diff('decade', ts, TIMESTAMP '2024-03-15 12:34:56.789') AS d, date_diff('decade', TIMESTAMP '2024-03-15 12:34:56.789', ts) AS e", where: "true"},                                                                                    // 208
	{items: "date_trunc('century', ts) AS t, date_diff('century', ts, TIMESTAMP '2024-03-15 12:34:56.789') AS d, date_diff('century', TIMESTAMP '2024-03-15 12:34:56.789', ts) AS e", where: "true"},                                                                                 // 209
	{items: "date_trunc('millennium', ts) AS t, date_diff('millennium', ts, TIMESTAMP '2024-03-15 12:34:56.789') AS d, date_diff('millennium', TIMESTAMP '2024-03-15 12:34:56.789', ts) AS e", where: "true"},                                                                        // 210
	{ // 211
		items:     "ts + INTERVAL '1 second' AS a, ts - INTERVAL '1 second' AS b, ts::DATE + INTERVAL '1 second' AS c",
		duckItems: "ts + INTERVAL '1 second' AS a, ts - INTERVAL '1 second' AS b, TRY_CAST(ts AS DATE) + INTERVAL '1 second' AS c",
		where:     "true",
	},
	{ // 212
		items:     "ts + INTERVAL '59 minutes' AS a, ts - INTERVAL '59 minutes' AS b, ts::DATE + INTERVAL '59 minutes' AS c",
		duckItems: "ts + INTERVAL '59 minutes' AS a, ts - INTERVAL '59 minutes' AS b, TRY_CAST(ts AS DATE) + INTERVAL '59 minutes' AS c",
		where:     "true",
	},
	{ // 213
		items:     "ts + INTERVAL '25 hours' AS a, ts - INTERVAL '25 hours' AS b, ts::DATE + INTERVAL '25 hours' AS c",
		duckItems: "ts + INTERVAL '25 hours' AS a, ts - INTERVAL '25 hours' AS b, TRY_CAST(ts AS DATE) + INTERVAL '25 hours' AS c",
		where:     "true",
	},
	{ // 214
		items:     "ts + INTERVAL '31 days' AS a, ts - INTERVAL '31 days' AS b, ts::DATE + INTERVAL '31 days' AS c",
		duckItems: "ts + INTERVAL '31 days' AS a, ts - INTERVAL '31 days' AS b, TRY_CAST(ts AS DATE) + INTERVAL '31 days' AS c",
		where:     "true",
	},
	{ // 215
		items:     "ts + INTERVAL '1 month' AS a, ts - INTERVAL '1 month' AS b, ts::DATE + INTERVAL '1 month' AS c",
		duckItems: "ts + INTERVAL '1 month' AS a, ts - INTERVAL '1 month' AS b, TRY_CAST(ts AS DATE) + INTERVAL '1 month' AS c",
		where:     "true",
	},
	{ // 216
		items:     "ts + INTERVAL '13 months' AS a, ts - INTERVAL '13 months' AS b, ts::DATE + INTERVAL '13 months' AS c",
		duckItems: "ts + INTERVAL '13 months' AS a, ts - INTERVAL '13 months' AS b, TRY_CAST(ts AS DATE) + INTERVAL '13 months' AS c",
		where:     "true",
	},
	{ // 217
		items:     "ts + INTERVAL '1 year 6 months' AS a, ts - INTERVAL '1 year 6 months' AS b, ts::DATE + INTERVAL '1 year 6 months' AS c",
		duckItems: "ts + INTERVAL '1 year 6 months' AS a, ts - INTERVAL '1 year 6 months' AS b, TRY_CAST(ts AS DATE) + INTERVAL '1 year 6 months' AS c",
		where:     "true",
	},
	{ // 218
		items:     "ts + INTERVAL '-2 months 3 days' AS a, ts - INTERVAL '-2 months 3 days' AS b, ts::DATE + INTERVAL '-2 months 3 days' AS c",
		duckItems: "ts + INTERVAL '-2 months 3 days' AS a, ts - INTERVAL '-2 months 3 days' AS b, TRY_CAST(ts AS DATE) + INTERVAL '-2 months 3 days' AS c",
		where:     "true",
	},
	{ // 219
		items:     "ts + INTERVAL '1 week 1 microsecond' AS a, ts - INTERVAL '1 week 1 microsecond' AS b, ts::DATE + INTERVAL '1 week 1 microsecond' AS c",
		duckItems: "ts + INTERVAL '1 week 1 microsecond' AS a, ts - INTERVAL '1 week 1 microsecond' AS b, TRY_CAST(ts AS DATE) + INTERVAL '1 week 1 microsecond' AS c",
		where:     "true",
	},
	{ // 220
		items:     "ts + INTERVAL '0.001 seconds' AS a, ts - INTERVAL '0.001 seconds' AS b, ts::DATE + INTERVAL '0.001 seconds' AS c",
		duckItems: "ts + INTERVAL '0.001 seconds' AS a, ts - INTERVAL '0.001 seconds' AS b, TRY_CAST(ts AS DATE) + INTERVAL '0.001 seconds' AS c",
		where:     "true",
	},
	{items: "sign(count) AS a, abs(count) AS b, sqrt(abs(count)) AS c, ln(abs(count) + 1) AS d, log2(abs(count) + 1) AS e, trunc(count / 3) AS f, mod(count, 7) AS g, greatest(count, 0) AS h, least(count, 0) AS i, pow(count, 2) AS j, cbrt(count) AS k", where: "true"},                                                                                                    // 221
	{items: "sign(status) AS a, abs(status) AS b, sqrt(abs(status)) AS c, ln(abs(status) + 1) AS d, log2(abs(status) + 1) AS e, trunc(status / 3) AS f, mod(status, 7) AS g, greatest(status, 0) AS h, least(status, 0) AS i, pow(status, 2) AS j, cbrt(status) AS k", where: "true"},                                                                                         // 222
	{items: "sign(latency) AS a, abs(latency) AS b, sqrt(abs(latency)) AS c, ln(abs(latency) + 1) AS d, log2(abs(latency) + 1) AS e, trunc(latency / 3) AS f, mod(latency, 7) AS g, greatest(latency, 0) AS h, least(latency, 0) AS i, pow(latency, 2) AS j, cbrt(latency) AS k", where: "true"},                                                                              // 223
	{items: "sign(user.id) AS a, abs(user.id) AS b, sqrt(abs(user.id)) AS c, ln(abs(user.id) + 1) AS d, log2(abs(user.id) + 1) AS e, trunc(user.id / 3) AS f, mod(user.id, 7) AS g, greatest(user.id, 0) AS h, least(user.id, 0) AS i, pow(user.id, 2) AS j, cbrt(user.id) AS k", where: "true"},                                                                              // 224
	{items: "sign(bytes % 100000) AS a, abs(bytes % 100000) AS b, sqrt(abs(bytes % 100000)) AS c, ln(abs(bytes % 100000) + 1) AS d, log2(abs(bytes % 100000) + 1) AS e, trunc(bytes % 100000 / 3) AS f, mod(bytes % 100000, 7) AS g, greatest(bytes % 100000, 0) AS h, least(bytes % 100000, 0) AS i, pow(bytes % 100000, 2) AS j, cbrt(bytes % 100000) AS k", where: "true"}, // 225
	{ // 226
		items:     "json_type(tags, '$[0]') AS a, json_type(user, '$.name') AS b, json_array_length(tags, '$') AS c, tags->'$[0]' AS d, tags->>'$[1]' AS e, json_extract(tags, 2) AS f",
		duckItems: "json_type(to_json(tags), '$[0]') AS a, json_type(to_json(user), '$.name') AS b, json_array_length(to_json(tags), '$') AS c, to_json(tags)->'$[0]' AS d, to_json(tags)->>'$[1]' AS e, json_extract(to_json(tags), 2) AS f",
		where:     "user.id IS NOT NULL AND user.name IS NOT NULL",
	},
	{items: "ok IS TRUE OR status IS NOT DISTINCT FROM 200 AS a, (latency > 100) IS NOT TRUE AS b, (user.name ~ '.*[A-Z].*') IS FALSE AS c, if(ok IS NULL, NULL, NOT ok) AS d", where: "true"},                                                                                                              // 227
	{items: "nullif(split_part(msg, ' ', 1), '') AS a, coalesce(nullif(regexp_extract(msg, '[0-9]+'), ''), 'none') AS b, CASE WHEN msg GLOB '* *' THEN 'words' WHEN msg ~ '[0-9.+-]+' THEN 'number' ELSE 'other' END AS c, length(reverse(msg)) = length(msg) AS d", where: "true"},                         // 228
	{items: "substring(msg FROM strpos(msg, ' ') + 1) AS a, left(msg, strpos(msg, ' ') - 1) AS b, replace(concat_ws(',', msg, msg), ',', ';') AS c, trim(BOTH ' ' FROM lpad(msg, 20, ' ')) = trim(msg) AS d", where: "true"},                                                                                // 229
	{items: "nullif(split_part(service, ' ', 1), '') AS a, coalesce(nullif(regexp_extract(service, '[0-9]+'), ''), 'none') AS b, CASE WHEN service GLOB '* *' THEN 'words' WHEN service ~ '[0-9.+-]+' THEN 'number' ELSE 'other' END AS c, length(reverse(service)) = length(service) AS d", where: "true"}, // 230
	{items: "substring(service FROM strpos(service, ' ') + 1) AS a, left(service, strpos(service, ' ') - 1) AS b, replace(concat_ws(',', service, service), ',', ';') AS c, trim(BOTH ' ' FROM lpad(service, 20, ' ')) = trim(service) AS d", where: "true"},                                                // 231
	{items: "nullif(split_part(code, ' ', 1), '') AS a, coalesce(nullif(regexp_extract(code, '[0-9]+'), ''), 'none') AS b, CASE WHEN code GLOB '* *' THEN 'words' WHEN code ~ '[0-9.+-]+' THEN 'number' ELSE 'other' END AS c, length(reverse(code)) = length(code) AS d", where: "true"},                   // 232
	{items: "substring(code FROM strpos(code, ' ') + 1) AS a, left(code, strpos(code, ' ') - 1) AS b, replace(concat_ws(',', code, code), ',', ';') AS c, trim(BOTH ' ' FROM lpad(code, 20, ' ')) = trim(code) AS d", where: "true"},                                                                        // 233
	{ // 234
		items:     "strftime(ts + INTERVAL 1 DAY, '%Y-%m-%d') AS a, date_trunc('month', ts) + INTERVAL '1 month' - INTERVAL '1 day' AS b, last_day(ts) AS c, date_diff('day', date_trunc('month', ts), last_day(ts)) + 1 AS d, monthname(ts) || ' ' || year(ts) AS e",
		duckItems: "strftime(ts + INTERVAL 1 DAY, '%Y-%m-%d') AS a, date_trunc('month', ts) + INTERVAL '1 month' - INTERVAL '1 day' AS b, last_day(ts) AS c, date_diff('day', date_trunc('month', ts), last_day(ts)) + 1 AS d, monthname(ts) || ' ' || year(ts) AS e",
		where:     "true",
	},
	{ // 235
		items:     "date_part('dow', ts) = dayofweek(ts) AS a, extract(year FROM ts) * 100 + extract(month FROM ts) AS b, week(ts) AS c, yearweek(ts) AS d, dayname(ts) AS e, epoch(ts) AS f",
		duckItems: "date_part('dow', ts) = dayofweek(ts) AS a, extract(year FROM ts) * 100 + extract(month FROM ts) AS b, week(ts) AS c, yearweek(ts) AS d, dayname(ts) AS e, epoch(ts) AS f",
		where:     "true",
	},
	{ // 236
		items:     "strftime(ts::DATE + INTERVAL 1 DAY, '%Y-%m-%d') AS a, date_trunc('month', ts::DATE) + INTERVAL '1 month' - INTERVAL '1 day' AS b, last_day(ts::DATE) AS c, date_diff('day', date_trunc('month', ts::DATE), last_day(ts::DATE)) + 1 AS d, monthname(ts::DATE) || ' ' || year(ts::DATE) AS e",
		duckItems: "strftime(TRY_CAST(ts AS DATE) + INTERVAL 1 DAY, '%Y-%m-%d') AS a, date_trunc('month', TRY_CAST(ts AS DATE)) + INTERVAL '1 month' - INTERVAL '1 day' AS b, last_day(TRY_CAST(ts AS DATE)) AS c, date_diff('day', date_trunc('month', TRY_CAST(ts AS DATE)), last_day(TRY_CAST(ts AS DATE))) + 1 AS d, monthname(TRY_CAST(ts AS DATE)) || ' ' || year(TRY_CAST(ts AS DATE)) AS e",
		where:     "true",
	},
	{ // 237
		items:     "date_part('dow', ts::DATE) = dayofweek(ts::DATE) AS a, extract(year FROM ts::DATE) * 100 + extract(month FROM ts::DATE) AS b, week(ts::DATE) AS c, yearweek(ts::DATE) AS d, dayname(ts::DATE) AS e, epoch(ts::DATE) AS f",
		duckItems: "date_part('dow', TRY_CAST(ts AS DATE)) = dayofweek(TRY_CAST(ts AS DATE)) AS a, extract(year FROM TRY_CAST(ts AS DATE)) * 100 + extract(month FROM TRY_CAST(ts AS DATE)) AS b, week(TRY_CAST(ts AS DATE)) AS c, yearweek(TRY_CAST(ts AS DATE)) AS d, dayname(TRY_CAST(ts AS DATE)) AS e, epoch(TRY_CAST(ts AS DATE)) AS f",
		where:     "true",
	},
	{items: "epoch_ms(ts) - epoch_ms(date_trunc('day', ts)) AS a, epoch_us(ts) % 1000000 AS b, to_timestamp(epoch(ts)) AS c, make_timestamp(epoch_us(ts)) AS d, make_date(year(ts), month(ts), 1) AS e", where: "true"},                                        // 238
	{items: "make_timestamp(year(ts), month(ts), day(ts), hour(ts), 0, 0) = date_trunc('hour', ts) AS a, strptime(strftime(ts, '%Y%m%d%H%M%S'), '%Y%m%d%H%M%S') AS b", where: "true"},                                                                          // 239
	{items: "printf('%d-%02d-%02d', year(ts), month(ts), day(ts)) AS a, format('{}h{}', hour(ts), lpad(minute(ts)::VARCHAR, 2, '0')) AS b, printf('%.3f', epoch(ts) - trunc(epoch(ts))) AS c, printf('%5.1f%%', 100.0 * minute(ts) / 60) AS d", where: "true"}, // 240
	{ // 241
		items:     "greatest(ts::TIMESTAMP, to_timestamp(epoch)) AS a, least(ts::DATE, DATE '2024-03-01') AS b, if(ts::TIMESTAMP > to_timestamp(epoch), 'later', 'earlier') AS c",
		duckItems: "greatest(ts, to_timestamp(epoch)::TIMESTAMP) AS a, least(TRY_CAST(ts AS DATE), DATE '2024-03-01') AS b, if(ts > to_timestamp(epoch)::TIMESTAMP, 'later', 'earlier') AS c",
		where:     "true",
	},
	{ // 242
		items:     "count::TINYINT AS a, (count * 100)::SMALLINT AS b, status::UTINYINT AS c, (count + 1000)::USMALLINT AS d, latency::REAL * 2 AS e, (status::FLOAT)::VARCHAR AS f",
		duckItems: "TRY_CAST(count AS TINYINT) AS a, TRY_CAST(count * 100 AS SMALLINT) AS b, TRY_CAST(status AS UTINYINT) AS c, TRY_CAST(count + 1000 AS USMALLINT) AS d, TRY_CAST(latency AS REAL)::DOUBLE * 2 AS e, TRY_CAST(TRY_CAST(status AS FLOAT)::DOUBLE AS VARCHAR) AS f",
		where:     "true",
	},
	{ // 243
		items: "list_contains(tags, lower(level)) AS a, list_position(tags, service) AS b, array_to_string(tags, '+') || '!' AS c, list_extract(tags, 2) IS DISTINCT FROM tags[2] AS d",
		where: "true",
	},
	{ // 244
		items:     "json_type(user) AS a, json_type(tags) AS b, json_array_length(tags) = len(tags) AS c, json_exists(tags, '$[0]') = (len(tags) > 0) AS d",
		duckItems: "json_type(to_json(user)) AS a, json_type(to_json(tags)) AS b, json_array_length(to_json(tags)) = len(tags) AS c, json_exists(to_json(tags), '$[0]') = (len(tags) > 0) AS d",
		where:     "true",
	},
	{items: "sha256(msg) = sha256(msg) AS a, md5(msg) <> md5(upper(msg)) AS b, left(md5(coalesce(msg, '')), 8) AS c, sha1(concat(service, '/', level)) AS d", where: "true"},                                                           // 245
	{items: "regexp_replace(msg, '(\\w)(\\w*)', '\\2\\1', 'g') AS a, regexp_replace(msg, '^(.)', '\\1\\1') AS b, regexp_extract(msg, '(?i)(error|timeout)', 1) AS c, regexp_extract(msg, '^(\\S+)\\s+(\\S+)', 2) AS d", where: "true"}, // 246
	{items: "msg", where: "msg ~~ '%o%' AND msg !~~* '%ERROR%' AND msg NOT SIMILAR TO '.*[!#].*'"},                                                                                                                                     // 247
	{items: "level", where: "level GLOB '[A-Z]*' AND level NOT GLOB 'INFO'", duckWhere: "level GLOB '[A-Z]*' AND NOT (level GLOB 'INFO')"},                                                                                             // 248
	{items: "status", where: "sign(status - 300) = 1 AND mod(status, 100) = 0"},                                                                                                                                                        // 249
	{ // 250
		items:     "ts::TIMESTAMP AS t",
		duckItems: "ts AS t",
		where:     "extract(hour FROM ts) BETWEEN 9 AND 17 AND isodow(ts) <= 5",
	},
	{ // 251
		items:     "ts::TIMESTAMP AS t",
		duckItems: "ts AS t",
		where:     "ts + INTERVAL '1 day' > TIMESTAMP '2024-05-29'",
	},
	{items: "user.name AS n", where: "regexp_extract(user.name, '\\p{Lu}') <> '' AND reverse(user.name) <> user.name"}, // 252
	{ // 253
		items: "tags[1] AS t",
		where: "array_to_string(tags, ',') GLOB '*prod*' AND NOT list_contains(tags, 'staging')",
	},
	{ // 254
		items:     "code",
		duckItems: "code",
		where:     "code::TINYINT IS NOT NULL AND code::INT64 IS DISTINCT FROM code::DOUBLE",
		duckWhere: "TRY_CAST(code AS TINYINT) IS NOT NULL AND TRY_CAST(code AS BIGINT) IS DISTINCT FROM TRY_CAST(code AS DOUBLE)",
	},

	// TIME: ts is a string to us, a TIMESTAMP to DuckDB.
	{ // 255
		items: "ts::TIME AS a, ts::TIME::VARCHAR AS b, hour(ts::TIME) AS c, ts::TIME < TIME '12:00' AS d, ts::TIME + INTERVAL 90 MINUTE AS e, ts::TIME - INTERVAL '13 hours' AS f, " +
			"ts::DATE + ts::TIME AS g, make_time(hour(ts), minute(ts), 30.5) AS h, date_part('second', ts::TIME) AS i, code::TIME AS j, CAST(ts AS TIME) = '10:00:00' AS k, minute(ts::TIME) AS l",
		duckItems: "TRY_CAST(ts AS TIME) AS a, TRY_CAST(TRY_CAST(ts AS TIME) AS VARCHAR) AS b, hour(TRY_CAST(ts AS TIME)) AS c, TRY_CAST(ts AS TIME) < TIME '12:00' AS d, TRY_CAST(ts AS TIME) + INTERVAL 90 MINUTE AS e, TRY_CAST(ts AS TIME) - INTERVAL '13 hours' AS f, " +
			"TRY_CAST(ts AS DATE) + TRY_CAST(ts AS TIME) AS g, make_time(hour(ts), minute(ts), 30.5) AS h, date_part('second', TRY_CAST(ts AS TIME)) AS i, TRY_CAST(code AS TIME) AS j, TRY_CAST(ts AS TIME) = '10:00:00' AS k, minute(TRY_CAST(ts AS TIME)) AS l",
		where: "true",
	},
	{ // 256
		items: "TIME '10:11:12' AS a, '10:11'::TIME AS b, '24:00:00'::TIME AS c, ' 10:11:12 '::TIME AS d, '10:11:12Z'::TIME AS e, '1:2:3'::TIME AS f, '10:11:12.1234567'::TIME AS g, " +
			"'25:00:00'::TIME AS h, TIME '23:30' + INTERVAL 1 HOUR AS i, DATE '2024-01-01' + TIME '10:00' AS j, '2024-01-01 10:11:12'::TIME AS k, TIME '00:10' - INTERVAL '1 day 00:20:00' AS l, make_time(1, 2, 3.5) AS m",
		duckItems: "TIME '10:11:12' AS a, TRY_CAST('10:11' AS TIME) AS b, TRY_CAST('24:00:00' AS TIME) AS c, TRY_CAST(' 10:11:12 ' AS TIME) AS d, TRY_CAST('10:11:12Z' AS TIME) AS e, TRY_CAST('1:2:3' AS TIME) AS f, TRY_CAST('10:11:12.1234567' AS TIME) AS g, " +
			"TRY_CAST('25:00:00' AS TIME) AS h, TIME '23:30' + INTERVAL 1 HOUR AS i, DATE '2024-01-01' + TIME '10:00' AS j, TRY_CAST('2024-01-01 10:11:12' AS TIME) AS k, TIME '00:10' - INTERVAL '1 day 00:20:00' AS l, make_time(1, 2, 3.5) AS m",
		where: "true",
	},
	{items: "ts::TIME AS t", duckItems: "TRY_CAST(ts AS TIME) AS t", where: "ts::TIME BETWEEN '09:00' AND '17:00'", duckWhere: "TRY_CAST(ts AS TIME) BETWEEN '09:00' AND '17:00'"}, // 257

	// UUID: md5 text is 32 hex digits, which both read as a UUID.
	{ // 258
		items: "md5(msg)::UUID AS a, md5(msg)::UUID::VARCHAR AS b, md5(msg)::UUID < '80000000-0000-0000-0000-000000000000' AS c, md5(msg)::UUID = md5(msg) AS d, " +
			"CAST(upper(md5(service)) AS UUID) AS e, ('{' || md5(level) || '}')::UUID AS f, code::UUID AS g, md5(msg)::UUID = md5(service)::UUID AS h",
		duckItems: "TRY_CAST(md5(msg) AS UUID) AS a, TRY_CAST(TRY_CAST(md5(msg) AS UUID) AS VARCHAR) AS b, TRY_CAST(md5(msg) AS UUID) < '80000000-0000-0000-0000-000000000000' AS c, TRY_CAST(md5(msg) AS UUID) = md5(msg) AS d, " +
			"TRY_CAST(upper(md5(service)) AS UUID) AS e, TRY_CAST('{' || md5(level) || '}' AS UUID) AS f, TRY_CAST(code AS UUID) AS g, TRY_CAST(md5(msg) AS UUID) = TRY_CAST(md5(service) AS UUID) AS h",
		where: "true",
	},
	{ // 259
		items: "'550e8400-e29b-41d4-a716-446655440000'::UUID AS a, '{550E8400-E29B-41D4-A716-446655440000}'::UUID AS b, '550e8400e29b41d4a716446655440000'::UUID AS c, 'bad'::UUID AS d, " +
			"'550e-8400e29b41d4a716446655440000'::UUID AS e, ' 550e8400e29b41d4a716446655440000'::UUID AS f, '{550e8400e29b41d4a716446655440000'::UUID AS g, '550e8400-e29b-41d4-a716-44665544000g'::UUID AS h",
		duckItems: "TRY_CAST('550e8400-e29b-41d4-a716-446655440000' AS UUID) AS a, TRY_CAST('{550E8400-E29B-41D4-A716-446655440000}' AS UUID) AS b, TRY_CAST('550e8400e29b41d4a716446655440000' AS UUID) AS c, TRY_CAST('bad' AS UUID) AS d, " +
			"TRY_CAST('550e-8400e29b41d4a716446655440000' AS UUID) AS e, TRY_CAST(' 550e8400e29b41d4a716446655440000' AS UUID) AS f, TRY_CAST('{550e8400e29b41d4a716446655440000' AS UUID) AS g, TRY_CAST('550e8400-e29b-41d4-a716-44665544000g' AS UUID) AS h",
		where: "true",
	},
	{items: "msg", duckItems: "msg", where: "md5(msg)::UUID > 'c0000000-0000-0000-0000-000000000000'", duckWhere: "TRY_CAST(md5(msg) AS UUID) > 'c0000000-0000-0000-0000-000000000000'"}, // 260

	// Lists the statement makes, indexing and slicing (1-based, as DuckDB's).
	// A list is written as JSON text; DuckDB's side renders its list with
	// to_json (see intendedDifferences).
	{ // 261
		items:     "string_split(msg, ' ') AS a, str_split(service, '-') AS b, string_split(msg, '') AS c, string_to_array(level, 'o') AS d, split(user.name, NULL) AS e",
		duckItems: "to_json(string_split(msg, ' '))::VARCHAR AS a, to_json(str_split(service, '-'))::VARCHAR AS b, to_json(string_split(msg, ''))::VARCHAR AS c, to_json(string_to_array(level, 'o'))::VARCHAR AS d, to_json(split(user.name, NULL))::VARCHAR AS e",
		where:     "true",
	},
	{ // 262
		items: "string_split(msg, ' ')[1] AS a, string_split(msg, ' ')[-1] AS b, len(string_split(msg, ' ')) AS c, list_contains(str_split(msg, ' '), 'user') AS d, string_split(service, '-')[2] AS e, " +
			"msg[1] AS f, msg[-1] AS g, msg[2:4] AS h, user.name[1] AS i, tags[-1] AS j, tags[count % 5] AS k, list_extract(msg, 3) AS l, tags[3] AS m",
		where: "true",
	},
	{ // 263
		items: "tags[2:3] AS a, tags[-2:] AS b, tags[:1] AS c, list_slice(tags, 0, 2) AS d, msg[-3:] AS e, array_slice(msg, 2, -2) AS f, tags[status % 3:] AS g, tags[2:1] AS h, user.name[:2] AS i",
		duckItems: "to_json(tags[2:3])::VARCHAR AS a, to_json(tags[-2:])::VARCHAR AS b, to_json(tags[:1])::VARCHAR AS c, to_json(list_slice(tags, 0, 2))::VARCHAR AS d, msg[-3:] AS e, array_slice(msg, 2, -2) AS f, " +
			"to_json(tags[status % 3:])::VARCHAR AS g, to_json(tags[2:1])::VARCHAR AS h, user.name[:2] AS i",
		where: "true",
	},
	{ // 264
		items: "[status, count] AS a, [level, service][2] AS b, len([1, 2, 3]) AS c, list_contains([200, 404], status) AS d, [msg][1] = msg AS e, list_value(level, 'x') AS f, [[1, 2], [3]][2] AS g, [1, 2, 3][2:] AS h, [] AS i, list_position([level, 'info'], 'info') AS j",
		duckItems: "to_json([status, count])::VARCHAR AS a, [level, service][2] AS b, len([1, 2, 3]) AS c, list_contains([200, 404], status) AS d, [msg][1] = msg AS e, to_json(list_value(level, 'x'))::VARCHAR AS f, " +
			"to_json([[1, 2], [3]][2])::VARCHAR AS g, to_json([1, 2, 3][2:])::VARCHAR AS h, to_json([])::VARCHAR AS i, list_position([level, 'info'], 'info') AS j",
		where: "true",
	},
	{items: "msg, service", where: "list_contains(string_split(msg, ' '), 'user') OR string_split(service, '-')[1] = 'auth' OR tags[1:2] = tags[1:1]"}, // 265

	// JSON functions on VARCHAR: the text is parsed, as DuckDB does. user and
	// tags are STRUCT and VARCHAR[] to DuckDB, so its side makes the text
	// with to_json.
	{ // 266
		items: "json_extract_string(user::VARCHAR, '$.name') AS a, (user::VARCHAR)->>'id' AS b, json_type(tags::VARCHAR) AS c, json_array_length(tags::VARCHAR) AS d, (tags::VARCHAR)->>-1 AS e, json_exists(user::VARCHAR, '$.id') AS f, (user::VARCHAR)->'name' AS g",
		duckItems: "json_extract_string(to_json(user)::VARCHAR, '$.name') AS a, (to_json(user)::VARCHAR)->>'id' AS b, json_type(to_json(tags)::VARCHAR) AS c, json_array_length(to_json(tags)::VARCHAR) AS d, (to_json(tags)::VARCHAR)->>-1 AS e, " +
			"json_exists(to_json(user)::VARCHAR, '$.id') AS f, (to_json(user)::VARCHAR)->'name' AS g",
		where: "user.id IS NOT NULL AND user.name IS NOT NULL", // to_json has a missing key as null
	},
	{items: "code, json_type(code) AS t, code->>'$' AS v, json_extract(code, '$') AS j", where: "json_valid(code) AND code NOT LIKE '%e%'"}, // 267: DuckDB renders 1e3 as 1000.0 (see intendedDifferences)

	// Patterns from the data.
	{ // 268
		items: "regexp_matches(msg, level) AS a, regexp_matches(msg, lower(level), 'i') AS b, regexp_matches(service, '^' || left(service, 2)) AS c, regexp_matches(msg, user.name) AS d, regexp_matches(msg, NULL) AS e",
		where: "true",
	},
	{items: "msg, level", where: "regexp_matches(msg, '(?i)' || level || '|user')"}, // 269
	{ // 270: level, service and user.name hold no regexp syntax that RE2 refuses (see intendedDifferences)
		items: "regexp_extract(msg, lower(level)) AS a, regexp_extract(msg, '(' || lower(level) || ')( |:)', 2) AS b, regexp_extract(service, '([a-z]+)' || '(_|-| )', 1) AS c, " +
			"regexp_extract(msg, upper(level), 0, 'i') AS d, regexp_extract(msg, user.name) AS e, regexp_extract(msg, lower(level), 1) AS f",
		where: "true",
	},
	{ // 271
		items: "regexp_replace(msg, lower(level), upper(level), 'g') AS a, regexp_replace(msg, '(' || left(service, 1) || ')', '<\\1>', 'gi') AS b, regexp_replace(user.name, user.name, '') AS c, " +
			"regexp_replace(msg, NULL, 'x') AS d, regexp_replace(service, service, service || service) AS e",
		where: "true",
	},
	{ // 272
		items: "msg ~ ('.*' || lower(level) || '.*') AS a, msg !~ ('.*' || level || '.*') AS b, service SIMILAR TO (left(service, 2) || '.*') AS c, msg NOT SIMILAR TO ('(?i).*' || level || '.*') AS d, " +
			"msg GLOB ('*' || lower(level) || '*') AS e, service GLOB (left(service, 1) || '*') AS f, user.name GLOB ('?' || right(user.name, 2)) AS g, level ~ NULL AS h",
		duckItems: "msg ~ ('.*' || lower(level) || '.*') AS a, msg !~ ('.*' || level || '.*') AS b, service SIMILAR TO (left(service, 2) || '.*') AS c, msg NOT SIMILAR TO ('(?i).*' || level || '.*') AS d, " +
			"msg GLOB ('*' || lower(level) || '*') AS e, service GLOB (left(service, 1) || '*') AS f, user.name GLOB ('?' || right(user.name, 2)) AS g, level ~ NULL AS h",
		where: "user.name IS NULL OR NOT regexp_matches(user.name, '[^ -~]')", // GLOB's ? is a byte to DuckDB (see intendedDifferences)
	},
	{items: "msg, level", where: "msg ~ ('(?i).*' || level || '.*') AND level <> '' OR msg GLOB (upper(left(msg, 1)) || '*')"}, // 273

	// regexp_split_to_array: lists render as JSON text (see intendedDifferences).
	{ // 274
		items: "regexp_split_to_array(msg, ' +') AS a, string_split_regex(service, '[-_ ]') AS b, regexp_split_to_array(msg, '') AS c, str_split_regex(msg, 'E', 'i') AS d, regexp_split_to_array(msg, 'o*') AS e, " +
			"regexp_split_to_array(msg, '^') AS f, regexp_split_to_array(msg, '$') AS g, regexp_split_to_array(user.name, NULL) AS h, regexp_split_to_array(msg, lower(level)) AS i",
		duckItems: "to_json(regexp_split_to_array(msg, ' +'))::VARCHAR AS a, to_json(string_split_regex(service, '[-_ ]'))::VARCHAR AS b, to_json(regexp_split_to_array(msg, ''))::VARCHAR AS c, to_json(str_split_regex(msg, 'E', 'i'))::VARCHAR AS d, " +
			"to_json(regexp_split_to_array(msg, 'o*'))::VARCHAR AS e, to_json(regexp_split_to_array(msg, '^'))::VARCHAR AS f, to_json(regexp_split_to_array(msg, '$'))::VARCHAR AS g, to_json(regexp_split_to_array(user.name, NULL))::VARCHAR AS h, " +
			"to_json(regexp_split_to_array(msg, lower(level)))::VARCHAR AS i",
		where: "true",
	},
	{items: "regexp_split_to_array(msg, '[ /]')[2] AS a, len(regexp_split_to_array(msg, '\\s+')) AS b, regexp_split_to_array(service, '-')[-1] AS c, list_contains(regexp_split_to_array(msg, '\\W+'), 'user') AS d", where: "true"}, // 275
	{items: "msg", where: "len(regexp_split_to_array(msg, '[0-9]+')) > 1"}, // 276

	// list_concat.
	{ // 277
		items: "list_concat(tags, string_split(service, '-')) AS a, list_cat(tags, NULL) AS b, array_concat([status], [count, bytes]) AS c, array_cat(tags, tags, [level]) AS d, list_concat(NULL, tags) AS e",
		duckItems: "to_json(list_concat(tags, string_split(service, '-')))::VARCHAR AS a, to_json(list_cat(tags, NULL))::VARCHAR AS b, to_json(array_concat([status], [count, bytes]))::VARCHAR AS c, " +
			"to_json(array_cat(tags, tags, [level]))::VARCHAR AS d, to_json(list_concat(NULL, tags))::VARCHAR AS e",
		where: "true",
	},
	{items: "len(list_concat(tags, tags)) AS a, list_concat(tags, [msg])[-1] AS b, list_contains(list_concat(tags, [level]), 'prod') AS c, list_concat(string_split(msg, ' '), tags)[1] AS d", where: "true"}, // 278
	{items: "tags", duckItems: "to_json(tags)::VARCHAR", where: "len(list_concat(tags, string_split(msg, ' '))) > 3"},                                                                                         // 279

	// s::JSON reads the text as JSON; text that is not JSON is NULL (DuckDB's TRY_CAST).
	{ // 280
		items:     "code::JSON AS a, flag::JSON AS b, json_type(code::JSON) AS c, TRY_CAST(flag AS JSON) AS d, json_valid(code) = (code::JSON IS NOT NULL) AS e, msg::JSON AS f",
		duckItems: "TRY_CAST(code AS JSON) AS a, TRY_CAST(flag AS JSON) AS b, json_type(TRY_CAST(code AS JSON)) AS c, TRY_CAST(flag AS JSON) AS d, json_valid(code) = (TRY_CAST(code AS JSON) IS NOT NULL) AS e, TRY_CAST(msg AS JSON) AS f",
		where:     "code IS NULL OR code NOT LIKE '%e%'", // DuckDB's json_type of 1e3 (see statement 267)
	},
	{items: "code", duckItems: "code", where: "code::JSON IS NOT NULL AND json_type(code::JSON) <> 'VARCHAR'", duckWhere: "TRY_CAST(code AS JSON) IS NOT NULL AND json_type(TRY_CAST(code AS JSON)) <> 'VARCHAR'"}, // 281

	// COLUMNS('regex') keeps the matching fields; ours per record, so the
	// filter keeps the records that have them all (DuckDB's columns always exist).
	{items: "COLUMNS('^(status|count|bytes)$')", where: "status IS NOT NULL AND count IS NOT NULL AND bytes IS NOT NULL"},                                                                                           // 282
	{items: "COLUMNS('^(level|service)$'), upper(msg) AS m", where: "level IS NOT NULL AND service IS NOT NULL AND msg IS NOT NULL", duckItems: "COLUMNS('^(level|service)$'), replace(upper(msg), 'ẞ', 'ß') AS m"}, // 283
}
