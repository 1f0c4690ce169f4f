using System.Globalization;
using PortfolioGroups.Schema;

namespace PortfolioGroups.Migrations;

/// <summary>
/// PostgreSQL only: the statement that rebuilds <c>portfolio_group_membership</c> as a table
/// hash-partitioned by <see cref="SchemaModel.MembershipDistributionColumn"/>, or back into one plain
/// table; used by migration 2026120202 and by <see cref="PortfolioStore.RepartitionMembershipsAsync"/>.
/// </summary>
/// <remarks>
/// One <c>DO</c> block, so it is one statement, all or nothing. It does nothing when the table
/// already has the shape asked for. Otherwise: a new table like the old one (columns, defaults,
/// NOT NULL and CHECK rules, column comments), partitioned with its partitions, or plain; every row
/// copied into it before any trigger is on it, so the history records no change; the old table
/// dropped (its triggers with it; their functions stay) and the new one renamed; then the primary key,
/// (<c>uid</c>, <c>portfolio_group_uid</c>) when partitioned, as PostgreSQL requires every unique
/// constraint of a partitioned table to hold its partition key, else (<c>uid</c>); and the old
/// table's other indexes, foreign keys, triggers and comment, each as the database printed it
/// before the drop, whoever made it. Partitions are named <c>portfolio_group_membership_p0</c>,
/// <c>_p1</c>, and so on, and each partition's index after its partitioned index and the partition
/// (<c>ux_portfolio_group_membership_pair_p1</c>), so an error naming it names the key. Grants on the
/// old table are not carried over.
/// </remarks>
internal static class MembershipPartitioning
{
    private static readonly string Membership = SchemaModel.PortfolioGroupMembership.PhysicalName;

    /// <summary>The name of partition <paramref name="remainder"/> of the membership table.</summary>
    public static string PartitionName(int remainder) => string.Create(CultureInfo.InvariantCulture, $"{Membership}_p{remainder}");

    /// <summary>
    /// The shape of the membership table in the schema <c>@schema</c> (named <c>@table</c>): its partitions (0 for a plain
    /// table) and its hash partition key (empty for a plain table). One row; no row when the table is missing.
    /// </summary>
    public const string ShapeSql =
        $"SELECT {Shape} FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = @schema AND c.relname = @table";

    // The partitions of the table c and its hash partition key, comma-separated.
    private const string Shape =
        "(SELECT count(*) FROM pg_inherits h WHERE h.inhparent = c.oid)::int AS partitions, "
        + "coalesce((SELECT array_to_string(array(SELECT a.attname::text FROM unnest(pt.partattrs::int2[]) WITH ORDINALITY k(attnum, ord) "
        + "JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = k.attnum ORDER BY k.ord), ',') "
        + "FROM pg_partitioned_table pt WHERE pt.partrelid = c.oid AND pt.partstrat = 'h'), '') AS partition_key";

    /// <summary>
    /// The <c>DO</c> block that rebuilds the membership table in <paramref name="schema"/> into
    /// <paramref name="partitions"/> hash partitions, or into a plain table for 0.
    /// </summary>
    /// <param name="schema">A plain schema name (the options check it).</param>
    /// <param name="partitions">0 to <see cref="PortfolioStoreOptions.MaxPostgresMembershipPartitions"/>.</param>
    public static string RebuildSql(string schema, int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partitions);
        var key = SchemaModel.MembershipDistributionColumn;
        var table = $"\"{schema}\".\"{Membership}\"";
        var rebuilt = Membership + "_rebuilt";
        var rebuiltTable = $"\"{schema}\".\"{rebuilt}\"";
        var count = partitions.ToString(CultureInfo.InvariantCulture);
        var model = SchemaModel.PortfolioGroupMembership;
        var primaryKey = partitions > 0 ? $"\"{model.PrimaryKeyColumn}\", \"{key}\"" : $"\"{model.PrimaryKeyColumn}\"";
        var sameShape = partitions > 0 ? $"have_partitions = {count} AND have_key = '{key}'" : "have_partitions = 0 AND have_key = ''";
        var partitionBy = partitions > 0 ? $" PARTITION BY HASH (\"{key}\")" : "";
        return $"""
            DO $rebuild$
            DECLARE
              membership regclass := to_regclass('{table}');
              have_partitions int;
              have_key text;
              kept text[];
              table_comment text;
              statement text;
            BEGIN
              IF membership IS NULL THEN
                RAISE EXCEPTION 'the table {schema}.{Membership} does not exist: migrate the store first';
              END IF;
              SELECT {Shape} INTO have_partitions, have_key FROM pg_class c WHERE c.oid = membership;
              IF {sameShape} THEN
                RETURN;
              END IF;

              -- What the old table has besides its columns, as the database prints it: indexes other
              -- than the primary key (a partitioned parent's as ON ONLY, which the new one must not be),
              -- foreign keys, triggers, and the table's comment.
              SELECT array_cat(
                       array_cat(
                         coalesce((SELECT array_agg(replace(pg_get_indexdef(x.indexrelid), ' ON ONLY ', ' ON ') ORDER BY x.indexrelid::regclass::text)
                                   FROM pg_index x WHERE x.indrelid = membership AND NOT x.indisprimary), ARRAY[]::text[]),
                         coalesce((SELECT array_agg(format('ALTER TABLE %s ADD CONSTRAINT %I %s', membership::text, k.conname, pg_get_constraintdef(k.oid)) ORDER BY k.conname)
                                   FROM pg_constraint k WHERE k.conrelid = membership AND k.contype = 'f'), ARRAY[]::text[])),
                       coalesce((SELECT array_agg(pg_get_triggerdef(t.oid) ORDER BY t.tgname)
                                 FROM pg_trigger t WHERE t.tgrelid = membership AND NOT t.tgisinternal), ARRAY[]::text[]))
                INTO kept;
              table_comment := obj_description(membership, 'pg_class');

              CREATE TABLE {rebuiltTable} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING COMMENTS){partitionBy};
              FOR remainder IN 0 .. {count} - 1 LOOP
                EXECUTE format('CREATE TABLE %I.%I PARTITION OF {rebuiltTable} FOR VALUES WITH (MODULUS {count}, REMAINDER %s)',
                               '{schema}', '{rebuilt}_p' || remainder, remainder);
              END LOOP;
              INSERT INTO {rebuiltTable} SELECT * FROM {table};
              DROP TABLE {table};
              ALTER TABLE {rebuiltTable} RENAME TO "{Membership}";
              FOR remainder IN 0 .. {count} - 1 LOOP
                EXECUTE format('ALTER TABLE %I.%I RENAME TO %I', '{schema}', '{rebuilt}_p' || remainder, '{Membership}_p' || remainder);
              END LOOP;
              ALTER TABLE {table} ADD CONSTRAINT "{model.PrimaryKeyName}" PRIMARY KEY ({primaryKey});
              FOREACH statement IN ARRAY kept LOOP
                EXECUTE statement;
              END LOOP;
              -- Each partition's index is named after the partitioned index and the partition
              -- (ux_portfolio_group_membership_pair_p3), so an error that names it names its key.
              FOR statement IN
                SELECT format('ALTER INDEX %I.%I RENAME TO %I', '{schema}', child.relname, parent.relname || substring(part.relname from '_p[0-9]+$'))
                FROM pg_index x
                JOIN pg_class parent ON parent.oid = x.indexrelid
                JOIN pg_inherits h ON h.inhparent = x.indexrelid
                JOIN pg_class child ON child.oid = h.inhrelid
                JOIN pg_index cx ON cx.indexrelid = h.inhrelid
                JOIN pg_class part ON part.oid = cx.indrelid
                WHERE x.indrelid = to_regclass('{table}')
              LOOP
                EXECUTE statement;
              END LOOP;
              IF table_comment IS NOT NULL THEN
                EXECUTE format('COMMENT ON TABLE %s IS %L', '{table}', table_comment);
              END IF;
            END $rebuild$
            """;
    }
}
