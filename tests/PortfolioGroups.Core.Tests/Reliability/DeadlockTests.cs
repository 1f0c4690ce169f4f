using System.Data.Common;
using Npgsql;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Reliability;

/// <summary>
/// A call that PostgreSQL ends as a deadlock's victim: when the call is its own transaction it wrote
/// nothing and runs again, so the caller sees it succeed; inside the caller's transaction it fails at
/// once as <see cref="TransientStorageException"/>. Each deadlock is made on purpose: an outside
/// transaction holds the row the call locks second, waits until the call waits for it, then asks
/// for the row the call holds. The outside transaction waits longer before looking for a deadlock
/// (<c>deadlock_timeout</c>), so the call is the one PostgreSQL ends.
/// </summary>
[TestFixture(Db.Postgres)]
public sealed class DeadlockTests(Db db) : DatabaseTest(db)
{
    [Test]
    public async Task A_single_statement_chosen_as_a_deadlock_victim_runs_again_and_deletes_both_memberships()
    {
        var (store, connectionString) = await NewStoreAsync();
        await using var _ = store;
        var (first, second) = await TwoMembershipsAsync(store);

        var deleted = await DeadlockAsync(
            connectionString,
            lockSecond: $"SELECT 1 FROM portfolio_group_membership WHERE uid = '{second}' FOR UPDATE",
            call: () => PortfolioGroupMembership.BulkDeleteAsync(store, new PortfolioGroupMembershipScope { Groups = ["g"] }),
            takeFirst: $"SELECT 1 FROM portfolio_group_membership WHERE uid = '{first}' FOR UPDATE");

        deleted.Should().Be(2);
        (await PortfolioGroupMembership.FilterAsync(store)).Should().BeEmpty();
    }

    [Test]
    public async Task A_transaction_of_the_library_chosen_as_a_deadlock_victim_runs_again_and_prunes_both_intervals()
    {
        var (store, connectionString) = await NewStoreAsync();
        await using var _ = store;
        var (first, second) = await TwoMembershipsAsync(store);
        await PortfolioGroupMembership.BulkDeleteAsync(store, new PortfolioGroupMembershipScope { Groups = ["g"] });
        var pruned = await DeadlockAsync(
            connectionString,
            lockSecond: $"SELECT 1 FROM portfolio_group_membership_history WHERE membership_uid = '{second}' FOR UPDATE",
            call: () => PortfolioGroupMembership.PruneHistoryAsync(store, DateTimeOffset.UtcNow.AddMinutes(1)),
            takeFirst: $"SELECT 1 FROM portfolio_group_membership_history WHERE membership_uid = '{first}' FOR UPDATE");

        pruned.Should().Be(2);
        (await PortfolioGroupMembership.GetHistoryAsync(store)).Should().BeEmpty();
    }

    [Test]
    public async Task Inside_the_callers_transaction_a_deadlock_victim_fails_at_once_and_the_transaction_keeps_its_earlier_work()
    {
        var (store, connectionString) = await NewStoreAsync();
        await using var _ = store;
        var (first, second) = await TwoMembershipsAsync(store);
        await using var transaction = await store.BeginTransactionAsync();
        await PortfolioGroup.AddAsync(transaction.Store, "earlier", "Earlier");

        var thrown = await FluentActions.Awaiting(() => DeadlockAsync(
                connectionString,
                lockSecond: $"SELECT 1 FROM portfolio_group_membership WHERE uid = '{second}' FOR UPDATE",
                call: () => PortfolioGroupMembership.BulkDeleteAsync(transaction.Store, new PortfolioGroupMembershipScope { Groups = ["g"] }),
                takeFirst: $"SELECT 1 FROM portfolio_group_membership WHERE uid = '{first}' FOR UPDATE"))
            .Should().ThrowAsync<TransientStorageException>();

        thrown.Which.ConnectionLost.Should().BeFalse();
        thrown.Which.InnerException.Should().BeOfType<PostgresException>().Which.SqlState.Should().Be("40P01");
        (await PortfolioGroupMembership.FilterAsync(transaction.Store)).Should().HaveCount(2, "the failed delete was rolled back to its savepoint");
        await transaction.CommitAsync();
        (await PortfolioGroup.FindAsync(store, "earlier")).Should().NotBeNull();
    }

    /// <summary>A store on a database of its own, so the two memberships are the first rows of their table (a scan meets them in the order they were added).</summary>
    private async Task<(PortfolioStore Store, string ConnectionString)> NewStoreAsync()
    {
        var connectionString = await NewDatabaseAsync();
        return (await OpenStoreAsync(connectionString), connectionString);
    }

    /// <summary>Group "g" holding "p1", then "p2": the uids of the two memberships, in the order they were added.</summary>
    private static async Task<(Guid First, Guid Second)> TwoMembershipsAsync(PortfolioStore store)
    {
        await PortfolioGroup.AddAsync(store, "g", "G");
        await Portfolio.AddAsync(store, "p1");
        await Portfolio.AddAsync(store, "p2");
        var first = await PortfolioGroup.AddPortfolioAsync(store, "g", "p1");
        var second = await PortfolioGroup.AddPortfolioAsync(store, "g", "p2");
        return (first.Uid, second.Uid);
    }

    /// <summary>
    /// Runs <paramref name="call"/> into a deadlock with an outside transaction: the outside one
    /// runs <paramref name="lockSecond"/>, the call starts and waits for it, then the outside one
    /// runs <paramref name="takeFirst"/>, which must wait for the call (it is checked to wait on a
    /// lock) until PostgreSQL ends the call's transaction. The outside transaction then rolls back,
    /// and the call's result (or exception) is returned.
    /// </summary>
    private async Task<T> DeadlockAsync<T>(string connectionString, string lockSecond, Func<Task<T>> call, string takeFirst)
    {
        await using var outside = await OpenPlainConnectionAsync(connectionString);
        var outsidePid = ((NpgsqlConnection)outside).ProcessID;
        await using var hold = await outside.BeginTransactionAsync();
        await ExecuteAsync(outside, hold, "SET LOCAL deadlock_timeout = '60s'");
        await ExecuteAsync(outside, hold, lockSecond);

        var running = call();
        await LockWaits.BackendWaitingAsync(connectionString, "The call never waited on the outside transaction's lock.", except: outsidePid);

        var taking = ExecuteAsync(outside, hold, takeFirst);
        await LockWaits.BackendWaitingAsync(connectionString, "The outside transaction never waited on the call's lock: there was no deadlock.", only: outsidePid);
        await taking;
        await hold.RollbackAsync();
        return await running;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        await command.ExecuteNonQueryAsync();
    }
}
