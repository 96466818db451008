// drizzle's own migrator, as an app that uses drizzle-orm runs it at start:
//   NODE_PATH=build/npm-tools/node_modules DATABASE_URL=... node drizzle-migrate.cjs FOLDER
// migrate(db, {migrationsFolder}) from drizzle-orm/node-postgres/migrator
// (FOLDER/meta/_journal.json and its .sql files); prints "drizzle: migrated FOLDER".
'use strict';
const { Pool } = require('pg');
const { drizzle } = require('drizzle-orm/node-postgres');
const { migrate } = require('drizzle-orm/node-postgres/migrator');

async function main() {
	const folder = process.argv[2];
	if (!folder || !process.env.DATABASE_URL) {
		console.error('usage: DATABASE_URL=... node drizzle-migrate.cjs FOLDER');
		process.exit(2);
	}
	const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
	try {
		await migrate(drizzle(pool), { migrationsFolder: folder });
		console.log('drizzle: migrated ' + folder);
	} finally {
		await pool.end();
	}
}

main().catch((e) => {
	console.error('drizzle: ' + (e && e.message ? e.message : e));
	process.exit(1);
});
