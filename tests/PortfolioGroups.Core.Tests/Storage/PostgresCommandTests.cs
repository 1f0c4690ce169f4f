using System.Diagnostics;
using Npgsql;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Storage;

/// <summary>
/// What reaches a running command on PostgreSQL: the caller's cancellation token, and a foreign-key
/// violation from a concurrent delete, translated to the table the key points at. Each test holds a
/// lock from a second connection, so the library's statement waits at a known point.
/// </summary>
public sealed class PostgresCommandTests() : DatabaseTest(Db.Postgres)
{
    [Test]
    public async Task Cancelling_the_token_cancels_a_command_that_is_already_running()
    {
        var id = Unique("locked");
        await Portfolio.AddAsync(Store, id);
        await using var locker = await OpenPlainConnectionAsync();
        await using var transaction = await locker.BeginTransactionAsync();
        await ExecuteAsync(locker, $"LOCK TABLE {Table("portfolio")} IN ACCESS EXCLUSIVE MODE");

        using var cancel = new CancellationTokenSource();
        var watch = Stopwatch.StartNew();
        var read = Portfolio.GetAsync(Store, id, cancel.Token);
        await WaitUntilBlockedAsync();
        cancel.Cancel();

        await FluentActions.Awaiting(() => read).Should().ThrowAsync<OperationCanceledException>();
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20), "the lock is held until the transaction ends; only cancelling the command ends the wait");
        await transaction.RollbackAsync();
        (await Portfolio.GetAsync(Store, id)).UniqueIdentifier.Should().Be(id, "the connection the cancelled command used went back to the pool usable");
    }

    [Test]
    public async Task Adding_to_a_group_deleted_while_the_statement_runs_names_the_group()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("going"), "Going");
        var portfolio = await Portfolio.AddAsync(Store, Unique("staying"));
        await using var deleter = await OpenPlainConnectionAsync();
        await using var transaction = await deleter.BeginTransactionAsync();
        await ExecuteAsync(deleter, $"DELETE FROM {Table("portfolio_group")} WHERE uid = '{group.Uid}'");

        // The insert still sees the group (the delete is not committed), then waits for its row lock.
        var add = PortfolioGroup.AddPortfolioAsync(Store, group.UniqueIdentifier, portfolio.Uid);
        await WaitUntilBlockedAsync();
        await transaction.CommitAsync();

        var error = (await FluentActions.Awaiting(() => add).Should().ThrowAsync<RowNotFoundException>()).Which;
        (error.Table, error.KeyName, error.KeyValue).Should().Be(("PortfolioGroup", "unique_identifier", group.UniqueIdentifier));
        error.InnerException.Should().BeOfType<PostgresException>().Which.SqlState.Should().Be("23503");
        (await PortfolioGroupMembership.FilterAsync(Store, new PortfolioGroupMembershipFilter { PortfolioUids = [portfolio.Uid] })).Should().BeEmpty();
    }

    [Test]
    public async Task Moving_to_a_portfolio_deleted_while_the_statement_runs_names_the_portfolio()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("group"), "Group");
        var membership = await group.AddPortfolioAsync(await Portfolio.AddAsync(Store, Unique("first")));
        var target = await Portfolio.AddAsync(Store, Unique("going"));
        await using var deleter = await OpenPlainConnectionAsync();
        await using var transaction = await deleter.BeginTransactionAsync();
        await ExecuteAsync(deleter, $"DELETE FROM {Table("portfolio")} WHERE uid = '{target.Uid}'");

        var move = PortfolioGroupMembership.UpdateAsync(Store, membership.Uid, new PortfolioGroupMembershipChanges { Portfolio = target.Uid });
        await WaitUntilBlockedAsync();
        await transaction.CommitAsync();

        var error = (await FluentActions.Awaiting(() => move).Should().ThrowAsync<RowNotFoundException>()).Which;
        (error.Table, error.KeyName, error.KeyValue).Should().Be(("Portfolio", "uid", target.Uid.ToString()));
        (await PortfolioGroupMembership.GetAsync(Store, membership.Uid)).Should().Be(membership, "a failed move changes nothing");
    }

    private static async Task ExecuteAsync(System.Data.Common.DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Waits until some session of this database waits for a lock: the library's statement.</summary>
    private async Task WaitUntilBlockedAsync()
    {
        await using var monitor = await OpenPlainConnectionAsync();
        await using var command = monitor.CreateCommand();
        command.CommandText = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'";
        var deadline = Stopwatch.StartNew();
        while ((long)(await command.ExecuteScalarAsync())! == 0)
        {
            deadline.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20), "the library's statement should be waiting for the lock");
            await Task.Delay(20);
        }
    }
}
