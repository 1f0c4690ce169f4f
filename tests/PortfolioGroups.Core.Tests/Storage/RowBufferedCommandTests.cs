using System.Data;
using System.Data.Common;
using PortfolioGroups.Storage;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Storage;

/// <summary>
/// Every generated command reads whole rows: Dapper.AOT asks for
/// <see cref="CommandBehavior.SequentialAccess"/>, under which Npgsql reads each column from the
/// wire when it is asked for (a blocking socket read where a row crosses its buffer). The command
/// drops that flag and passes everything else to the driver's command.
/// </summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class RowBufferedCommandTests(Db db) : DatabaseTest(db)
{
    private const CommandBehavior AsDapperAotAsks = CommandBehavior.SingleResult | CommandBehavior.SequentialAccess;

    [Test]
    public async Task A_row_is_read_whole_so_its_columns_read_in_any_order()
    {
        await using var connection = await OpenPlainConnectionAsync();
        await using var command = new RowBufferedCommand(connection.CreateCommand());
        command.CommandText = "SELECT 1 AS a, 'two' AS b";

        await using var reader = await command.ExecuteReaderAsync(AsDapperAotAsks);
        (await reader.ReadAsync()).Should().BeTrue();
        reader.GetString(1).Should().Be("two");
        reader.GetInt32(0).Should().Be(1, "a row read whole can be read in any order; a sequential one only forwards");
    }

    [Test]
    public async Task The_driver_alone_reads_sequentially_where_it_is_asked_to()
    {
        if (Db != Db.Postgres)
        {
            Assert.Ignore("SQLite reads a row whole whatever the flag.");
        }

        // The control for the test above: the same statement on the driver's own command.
        await using var connection = await OpenPlainConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 AS a, 'two' AS b";

        await using var reader = await command.ExecuteReaderAsync(AsDapperAotAsks);
        (await reader.ReadAsync()).Should().BeTrue();
        reader.GetString(1).Should().Be("two");
        FluentActions.Invoking(() => reader.GetInt32(0)).Should().Throw<InvalidOperationException>();
    }

    [Test]
    public async Task Parameters_the_transaction_and_the_scalar_reach_the_drivers_command()
    {
        await using var connection = await OpenPlainConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new RowBufferedCommand(connection.CreateCommand());
        command.Transaction = transaction;
        command.CommandText = "SELECT @x";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "x";
        parameter.Value = "given";
        command.Parameters.Add(parameter);

        (await command.ExecuteScalarAsync()).Should().Be("given");
        command.Connection.Should().BeSameAs(connection);
        command.Transaction.Should().BeSameAs(transaction);
        await transaction.RollbackAsync();
    }

    [Test]
    public async Task A_page_of_rows_longer_than_the_drivers_buffer_reads_back_as_written()
    {
        // Long display names make the rows cross the driver's read buffer many times over.
        var prefix = Unique("wide");
        var names = Enumerable.Range(0, 300).Select(i => $"{i:D3}" + new string((char)('a' + (i % 26)), 250)).ToArray();
        await Portfolio.UpsertManyAsync(Store, names.Select((name, i) => new PortfolioUpsert($"{prefix}-{i:D3}", name)));

        var page = await Portfolio.FilterPageAsync(Store, new PortfolioFilter { Search = prefix }, PageRequest.First(1_000));

        page.Items.Select(p => (p.UniqueIdentifier, p.DisplayName)).OrderBy(p => p.UniqueIdentifier, StringComparer.Ordinal)
            .Should().Equal(names.Select((name, i) => ($"{prefix}-{i:D3}", (string?)name)));
    }
}
