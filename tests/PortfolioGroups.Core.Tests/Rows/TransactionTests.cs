using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Rows;

/// <summary>The store's own transaction: calls that commit together, roll back together, and what is refused.</summary>
[TestFixture(Db.Sqlite, PortfolioMode.Library)]
[TestFixture(Db.Postgres, PortfolioMode.Library)]
[TestFixture(Db.PostgresPartitioned, PortfolioMode.Library)]
[TestFixture(Db.Sqlite, PortfolioMode.Host)]
[TestFixture(Db.Postgres, PortfolioMode.Host)]
public sealed partial class TransactionTests(Db db, PortfolioMode portfolioMode) : DatabaseTest(db, null, portfolioMode)
{
    [Test]
    public async Task Portfolio_group_and_membership_calls_commit_together()
    {
        IgnorePortfolioWritesInHostMode();
        var (p, g) = (Unique("tx-p"), Unique("tx-g"));
        await using (var tx = await Store.BeginTransactionAsync())
        {
            await Portfolio.AddAsync(tx.Store, p, "P");
            await PortfolioGroup.AddAsync(tx.Store, g, "G");
            await PortfolioGroup.AddPortfolioAsync(tx.Store, g, p);

            // Inside: the transaction sees its own writes; outside, nothing yet.
            (await PortfolioGroup.GetPortfoliosAsync(tx.Store, g)).Select(x => x.UniqueIdentifier).Should().Equal(p);
            (await Portfolio.FindAsync(Store, p)).Should().BeNull();

            await tx.CommitAsync();
        }

        (await PortfolioGroup.GetPortfoliosAsync(Store, g)).Select(x => x.UniqueIdentifier).Should().Equal(p);
    }

    [Test]
    public async Task Rollback_undoes_every_call_of_the_transaction()
    {
        IgnorePortfolioWritesInHostMode();
        var (p, g) = (Unique("tx-p"), Unique("tx-g"));
        var existing = await PortfolioGroup.AddAsync(Store, Unique("tx-kept"), "Kept");
        await using (var tx = await Store.BeginTransactionAsync())
        {
            await Portfolio.AddAsync(tx.Store, p);
            await PortfolioGroup.AddAsync(tx.Store, g, "G");
            await PortfolioGroupMembership.AddAsync(tx.Store, g, p);
            await PortfolioGroup.DeleteAsync(tx.Store, existing);
            await tx.RollbackAsync();
        }

        (await Portfolio.FindAsync(Store, p)).Should().BeNull();
        (await PortfolioGroup.FindAsync(Store, g)).Should().BeNull();
        (await PortfolioGroup.FindAsync(Store, existing.Uid)).Should().NotBeNull();
    }

    [Test]
    public async Task Disposing_without_a_commit_rolls_back()
    {
        IgnorePortfolioWritesInHostMode();
        var p = Unique("tx-p");
        await using (var tx = await Store.BeginTransactionAsync())
        {
            await Portfolio.AddAsync(tx.Store, p);
        }

        (await Portfolio.FindAsync(Store, p)).Should().BeNull();
    }

    [Test]
    public async Task Calls_after_the_transaction_ended_are_refused()
    {
        IgnorePortfolioWritesInHostMode();
        var tx = await Store.BeginTransactionAsync();
        var txStore = tx.Store;
        await tx.CommitAsync();

        var call = () => Portfolio.AddAsync(txStore, Unique("late"));
        (await call.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*transaction has ended (committed)*");
        await tx.Invoking(t => t.CommitAsync()).Should().ThrowAsync<InvalidOperationException>();
        await tx.Invoking(t => t.RollbackAsync()).Should().ThrowAsync<InvalidOperationException>();
        var stream = async () => await Portfolio.StreamAsync(txStore).ToListAsync();
        await stream.Should().ThrowAsync<InvalidOperationException>();
        await tx.DisposeAsync();
    }

    [Test]
    public async Task Rows_read_in_a_transaction_are_bound_to_the_parent_store_and_outlive_it()
    {
        IgnorePortfolioWritesInHostMode();
        var p = Unique("tx-p");
        Portfolio row;
        await using (var tx = await Store.BeginTransactionAsync())
        {
            row = await Portfolio.AddAsync(tx.Store, p, "Before");
            row.Store.Should().BeSameAs(Store);
            (await Portfolio.StreamAsync(tx.Store, new PortfolioFilter { UniqueIdentifiers = [p] }).ToListAsync()).Single().Store.Should().BeSameAs(Store);
            await tx.CommitAsync();
        }

        var updated = await row.UpdateAsync(new PortfolioChanges { DisplayName = "After" });
        updated.DisplayName.Should().Be("After");
    }

    [Test]
    public async Task Schema_calls_and_nested_transactions_are_refused_on_a_transaction_store()
    {
        await using var tx = await Store.BeginTransactionAsync();
        await tx.Store.Invoking(s => s.MigrateAsync()).Should().ThrowAsync<InvalidOperationException>().WithMessage("*MigrateAsync*");
        await tx.Store.Invoking(s => s.BeginTransactionAsync()).Should().ThrowAsync<InvalidOperationException>().WithMessage("*do not nest*");
        await tx.Store.Invoking(s => s.CheckSchemaAsync()).Should().ThrowAsync<InvalidOperationException>();
    }

    [Test]
    public async Task A_failed_bulk_add_in_a_transaction_keeps_the_earlier_work_of_the_transaction()
    {
        IgnorePortfolioWritesInHostMode();
        var (p1, p2, g) = (Unique("tx-p1"), Unique("tx-p2"), Unique("tx-g"));
        await using (var tx = await Store.BeginTransactionAsync())
        {
            await Portfolio.AddAsync(tx.Store, p1);
            await Portfolio.AddAsync(tx.Store, p2);
            await PortfolioGroup.AddAsync(tx.Store, g, "G");
            await PortfolioGroupMembership.AddManyAsync(tx.Store, [(g, p1)]);

            // One pair names a portfolio that does not exist: the bulk call writes nothing...
            var bulk = () => PortfolioGroupMembership.AddManyAsync(tx.Store, [(g, p2), (g, "no-such-portfolio")]);
            await bulk.Should().ThrowAsync<RowNotFoundException>();

            // ...and the transaction goes on, its earlier work intact (a second bulk call included).
            (await PortfolioGroupMembership.AddManyAsync(tx.Store, [(g, p2)])).Added.Should().Be(1);
            await tx.CommitAsync();
        }

        (await PortfolioGroup.GetPortfoliosAsync(Store, g)).Select(x => x.UniqueIdentifier).Should().BeEquivalentTo([p1, p2]);
    }

    [Test]
    public async Task A_failed_call_in_a_transaction_changes_nothing_and_the_transaction_goes_on()
    {
        IgnorePortfolioWritesInHostMode();
        var (p, q) = (Unique("tx-p"), Unique("tx-q"));
        await using (var tx = await Store.BeginTransactionAsync())
        {
            await Portfolio.CreateAsync(tx.Store, p);
            await tx.Store.Invoking(s => Portfolio.CreateAsync(s, p)).Should().ThrowAsync<DuplicateKeyException>();
            await Portfolio.CreateAsync(tx.Store, q);
            await tx.CommitAsync();
        }

        (await Portfolio.FindAsync(Store, p)).Should().NotBeNull();
        (await Portfolio.FindAsync(Store, q)).Should().NotBeNull();
    }

    [Test]
    public async Task A_stream_reads_the_transaction_and_a_call_during_it_is_refused()
    {
        IgnorePortfolioWritesInHostMode();
        var g = Unique("tx-g");
        await using var tx = await Store.BeginTransactionAsync();
        await PortfolioGroup.AddAsync(tx.Store, g, "G");
        var seen = 0;
        await foreach (var group in PortfolioGroup.StreamAsync(tx.Store, new PortfolioGroupFilter { UniqueIdentifiers = [g] }))
        {
            seen++;
            group.UniqueIdentifier.Should().Be(g);
            await tx.Store.Invoking(s => Portfolio.AddAsync(s, Unique("during"))).Should().ThrowAsync<InvalidOperationException>().WithMessage("*stream*");
        }

        seen.Should().Be(1);
        (await Portfolio.AddAsync(tx.Store, Unique("after"))).Should().NotBeNull();
    }

    [Test]
    public async Task Concurrent_calls_on_one_transaction_wait_for_each_other()
    {
        IgnorePortfolioWritesInHostMode();
        await using (var tx = await Store.BeginTransactionAsync())
        {
            var names = Enumerable.Range(0, 20).Select(i => Unique($"tx-c{i}")).ToArray();
            await Task.WhenAll(names.Select(n => Portfolio.AddAsync(tx.Store, n)));
            (await Portfolio.FilterAsync(tx.Store, new PortfolioFilter { UniqueIdentifiers = names })).Should().HaveCount(20);
            await tx.CommitAsync();
        }
    }

    [Test]
    public async Task Dapper_and_library_calls_commit_and_roll_back_in_one_transaction()
    {
        await using var connection = await OpenPlainConnectionAsync();
        await connection.ExecuteAsync($"CREATE TABLE IF NOT EXISTS {Table("host_note")} (id text PRIMARY KEY)");

        foreach (var commit in new[] { true, false })
        {
            var (note, p) = (Unique("note"), Unique("tx-dapper"));
            await using (var hostTransaction = await connection.BeginTransactionAsync())
            {
                await connection.ExecuteAsync($"INSERT INTO {Table("host_note")} (id) VALUES (@note)", new { note }, hostTransaction);
                await using (var joined = Store.JoinTransaction(hostTransaction))
                {
                    joined.IsJoined.Should().BeTrue();
                    if (IsHostMode)
                    {
                        // The host adds its portfolio in its transaction; the library's calls see it there.
                        await InsertHostPortfolioAsync(connection, hostTransaction, p);
                        await PortfolioGroup.AddAsync(joined.Store, p, "Joined");
                        await PortfolioGroup.AddPortfolioAsync(joined.Store, p, p);
                        (await PortfolioGroup.GetPortfoliosAsync(joined.Store, p)).Select(x => x.UniqueIdentifier).Should().Equal(p);
                    }
                    else
                    {
                        await Portfolio.AddAsync(joined.Store, p);
                    }

                    await joined.Invoking(j => j.CommitAsync()).Should().ThrowAsync<InvalidOperationException>().WithMessage("*owner commits*");
                }

                // The host goes on with its transaction after the library's calls.
                (await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {Table("portfolio")} WHERE {PortfolioUniqueIdentifierColumn} = @p", new { p }, hostTransaction)).Should().Be(1);
                if (commit)
                {
                    await hostTransaction.CommitAsync();
                }
                else
                {
                    await hostTransaction.RollbackAsync();
                }
            }

            (await Portfolio.FindAsync(Store, p) is not null).Should().Be(commit);
            if (IsHostMode)
            {
                (await PortfolioGroupMembership.FilterAsync(Store, new PortfolioGroupMembershipFilter { GroupUniqueIdentifiers = [p] })).Should().HaveCount(commit ? 1 : 0);
            }

            (await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {Table("host_note")} WHERE id = @note", new { note })).Should().Be(commit ? 1 : 0);
        }
    }

    [Test]
    public async Task A_joined_transaction_the_host_ended_is_refused()
    {
        IgnorePortfolioWritesInHostMode();
        await using var connection = await OpenPlainConnectionAsync();
        var hostTransaction = await connection.BeginTransactionAsync();
        var joined = Store.JoinTransaction(hostTransaction);
        await hostTransaction.CommitAsync();
        // Npgsql says so itself ("This NpgsqlTransaction has completed"); Microsoft.Data.Sqlite detaches the transaction, and the library says so.
        var late = await joined.Store.Invoking(s => Portfolio.AddAsync(s, Unique("late"))).Should().ThrowAsync<InvalidOperationException>();
        late.Which.Message.Should().ContainAny("already been committed or rolled back", "has completed");
        Store.Invoking(s => s.JoinTransaction(hostTransaction)).Should().Throw<InvalidOperationException>();
        await joined.DisposeAsync();
        await hostTransaction.DisposeAsync();
    }

    [Test]
    public async Task A_transaction_of_another_database_or_driver_is_refused()
    {
        await using var other = await OpenPlainConnectionAsync(await NewDatabaseAsync());
        await using var otherTransaction = await other.BeginTransactionAsync();
        Store.Invoking(s => s.JoinTransaction(otherTransaction)).Should().Throw<InvalidOperationException>().WithMessage("*store's database*");

        // A transaction of the other driver.
        var directory = Path.Combine(Path.GetTempPath(), "portfoliogroups-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        await using DbConnection foreign = Db == Db.Sqlite
            ? new NpgsqlConnection(await TestDatabases.CreatePostgresDatabaseAsync("foreign"))
            : new SqliteConnection($"Data Source={Path.Combine(directory, "other.db")}");
        await foreign.OpenAsync();
        await using (var foreignTransaction = await foreign.BeginTransactionAsync())
        {
            Store.Invoking(s => s.JoinTransaction(foreignTransaction)).Should().Throw<InvalidOperationException>()
                .WithMessage(Db == Db.Sqlite ? "*this store is on SQLite*" : "*this store is on PostgreSQL*");
        }

        // A transaction whose connection was closed under it.
        await using var closing = await OpenPlainConnectionAsync();
        var orphan = await closing.BeginTransactionAsync();
        await closing.CloseAsync();
        Store.Invoking(s => s.JoinTransaction(orphan)).Should().Throw<InvalidOperationException>();

        Store.Invoking(s => s.JoinTransaction(null!)).Should().Throw<ArgumentNullException>();
    }
}
