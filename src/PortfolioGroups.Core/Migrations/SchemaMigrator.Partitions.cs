using Dapper;
using PortfolioGroups.Schema;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Migrations;

/// <summary>The rebuild of the membership table into the partitions the store's options ask for.</summary>
internal sealed partial class SchemaMigrator
{
    /// <summary>
    /// Rebuilds <c>portfolio_group_membership</c> into <see cref="Database.MembershipPartitions"/>
    /// hash partitions (a plain table for 0), under the migration lock; false when it already has that shape.
    /// </summary>
    public async Task<bool> RepartitionMembershipsAsync(CancellationToken cancellationToken)
    {
        if (!database.CanAddConstraints)
        {
            // SQLite has no partitions; its membership table is always the plain table the option (0) asks for.
            return false;
        }

        return await database.WithConnectionAsync(
            async connection =>
            {
                try
                {
                    await database.BeginMigrationAsync(connection, cancellationToken).ConfigureAwait(false);
                    var args = new PartitionShapeArgs(database.Schema!, SchemaModel.PortfolioGroupMembership.PhysicalName);
                    var shape = (await database.RunAsync(
                        connection,
                        "migrate.partitions.read",
                        ErrorContext.Read,
                        c => c.QueryAsync<PartitionShapeRow>(MembershipPartitioning.ShapeSql, args),
                        cancellationToken).ConfigureAwait(false)).FirstOrDefault()
                        ?? throw new InvalidOperationException(
                            $"The table {database.Schema}.{args.Table} does not exist: migrate the store (MigrateAsync) before rebuilding its partitions.");
                    var wanted = database.MembershipPartitions;
                    if (shape.Partitions == wanted && shape.PartitionKey == (wanted > 0 ? SchemaModel.MembershipDistributionColumn : ""))
                    {
                        return false;
                    }

                    // One statement, all or nothing; it copies every membership, so it may run long: no command timeout.
                    var sql = MembershipPartitioning.RebuildSql(database.Schema!, wanted);
                    await database.RunAsync(connection, "migrate.partitions.rebuild", ErrorContext.Read, c => c.ExecuteAsync(sql, commandTimeout: 0), cancellationToken).ConfigureAwait(false);
                    return true;
                }
                finally
                {
                    await database.EndMigrationAsync(connection).ConfigureAwait(false);
                }
            },
            cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>The parameters of <see cref="MembershipPartitioning.ShapeSql"/>.</summary>
internal sealed record PartitionShapeArgs(string Schema, string Table);

/// <summary>A row of <see cref="MembershipPartitioning.ShapeSql"/>.</summary>
internal sealed record PartitionShapeRow(int Partitions, string PartitionKey);
