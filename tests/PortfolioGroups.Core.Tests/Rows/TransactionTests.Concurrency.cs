using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Rows;

/// <summary>Two transactions at once: what each database guarantees.</summary>
public sealed partial class TransactionTests
{
    [Test]
    public async Task On_SQLite_a_second_transaction_waits_for_the_first()
    {
        IgnorePortfolioWritesInHostMode();
        if (Db != Db.Sqlite)
        {
            Assert.Ignore("SQLite's single writer; PostgreSQL runs both (see the unique-pair test).");
        }

        var p = Unique("tx-first");
        var first = await Store.BeginTransactionAsync();
        await Portfolio.AddAsync(first.Store, p);

        // BEGIN IMMEDIATE waits in SQLite's busy handler, on the calling thread.
        var second = Task.Run(() => Store.BeginTransactionAsync());
        await Task.Delay(500);
        second.IsCompleted.Should().BeFalse("the first transaction holds the write lock");

        await first.CommitAsync();
        await first.DisposeAsync();
        await using var secondTransaction = await second.WaitAsync(TimeSpan.FromSeconds(20));
        (await Portfolio.FindAsync(secondTransaction.Store, p)).Should().NotBeNull("the second began after the first committed");
        await secondTransaction.CommitAsync();
    }

    [Test]
    public async Task On_PostgreSQL_two_transactions_adding_the_same_pair_leave_one_membership()
    {
        if (Db != Db.Postgres)
        {
            Assert.Ignore("PostgreSQL's concurrent writers; SQLite serializes transactions (see the waiting test).");
        }

        var (p, g) = (Unique("tx-pair-p"), Unique("tx-pair-g"));
        await AddPortfolioAsync(p);
        await PortfolioGroup.AddAsync(Store, g, "Pair");

        await using var first = await Store.BeginTransactionAsync();
        await using var second = await Store.BeginTransactionAsync();
        var one = await PortfolioGroupMembership.AddAsync(first.Store, g, p);

        // The second insert waits on the unique pair until the first commits, then finds its row.
        var pending = PortfolioGroupMembership.AddAsync(second.Store, g, p);
        await Task.Delay(300);
        pending.IsCompleted.Should().BeFalse("the unique pair index holds the second insert");
        await first.CommitAsync();
        var two = await pending.WaitAsync(TimeSpan.FromSeconds(20));
        await second.CommitAsync();

        two.Uid.Should().Be(one.Uid);
        (await PortfolioGroupMembership.FilterAsync(Store, new PortfolioGroupMembershipFilter { GroupUniqueIdentifiers = [g] })).Should().ContainSingle();
    }
}
