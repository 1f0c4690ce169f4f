namespace PortfolioGroups.Tests.Architecture;

/// <summary>
/// The library's layers point one way: Rows -> Services -> Repositories -> Storage, with Schema at the
/// bottom; and what differs between SQLite and PostgreSQL lives in one class per database.
/// </summary>
/// <remarks>
/// Read from the built assembly's IL, so a reference inside a lambda or an async method counts, and is
/// held against the type that declares the method. A namespace rule covers the namespaces below it too.
/// </remarks>
public sealed class LayeringTests
{
    private const string Root = "PortfolioGroups";
    private const string Schema = "PortfolioGroups.Schema";
    private const string Storage = "PortfolioGroups.Storage";
    private const string Repositories = "PortfolioGroups.Repositories";
    private const string Services = "PortfolioGroups.Services";
    private const string Migrations = "PortfolioGroups.Migrations";

    private const string Store = "PortfolioGroups.PortfolioStore";
    private const string SqliteDatabase = "PortfolioGroups.Storage.SqliteDatabase";
    private const string PostgresDatabase = "PortfolioGroups.Storage.PostgresDatabase";

    private static readonly string[] Rows = ["PortfolioGroups.Portfolio", "PortfolioGroups.PortfolioGroup", "PortfolioGroups.PortfolioGroupMembership"];
    // A transaction is a handle on the store's connection, like the store itself: both sit above every layer.
    private static readonly string[] TopLayer = [Store, "PortfolioGroups.PortfolioTransaction", .. Rows];

    private static IReadOnlyList<Dependency> Dependencies => AssemblyReferences.Core.Dependencies;

    [Test]
    public void The_reference_collector_sees_signatures_and_the_bodies_of_async_methods()
    {
        var references = AssemblyReferences.Core;

        TopLayer.Where(t => !references.Types.Contains(t)).Should().BeEmpty("the rules name these types, and would pass vacuously without them");
        Dependencies.Should().Contain(
            d => d.From.FullName == "PortfolioGroups.PortfolioGroup" && d.To.FullName == Store,
            "a row holds the store it came from");
        references.AsyncStateMachines.Should().NotBeEmpty();
        Dependencies.Should().Contain(
            d => d.From.IsIn(Migrations)
                && d.To.FullName == "FluentMigrator.Runner.IMigrationRunner"
                && references.AsyncStateMachines.Contains(d.Via),
            "the migrator's async methods use FluentMigrator's runner, and what an async state machine references belongs to the type that declares the method");
    }

    [Test]
    public void Schema_knows_no_layer_above_it()
    {
        var offences = Offences(from => from.IsIn(Schema), to => IsInAny(to, Storage, Repositories, Services, Migrations) || IsTopLayer(to));

        offences.Should().BeEmpty("Schema is the bottom layer; {0}", Listed(offences));
    }

    [Test]
    public void Storage_knows_no_layer_above_it()
    {
        var offences = Offences(from => from.IsIn(Storage), to => IsInAny(to, Repositories, Services, Migrations) || IsTopLayer(to));

        offences.Should().BeEmpty("Storage sits under Repositories; {0}", Listed(offences));
    }

    [Test]
    public void Repositories_know_no_layer_above_them()
    {
        var offences = Offences(from => from.IsIn(Repositories), to => IsInAny(to, Services, Migrations) || IsTopLayer(to));

        offences.Should().BeEmpty("Repositories sit under Services; {0}", Listed(offences));
    }

    [Test]
    public void Services_know_neither_the_rows_nor_the_store_nor_the_migrations()
    {
        var offences = Offences(from => from.IsIn(Services), to => IsInAny(to, Migrations) || IsTopLayer(to));

        offences.Should().BeEmpty("Services sit under the rows and beside the migrations; {0}", Listed(offences));
    }

    [Test]
    public void Migrations_know_neither_the_rows_nor_the_store_nor_services_nor_repositories()
    {
        var offences = Offences(from => from.IsIn(Migrations), to => IsInAny(to, Services, Repositories) || IsTopLayer(to));

        offences.Should().BeEmpty("migrations build on Schema and Storage only; {0}", Listed(offences));
    }

    [Test]
    public void Vocabulary_types_know_no_layer_below_the_rows()
    {
        var vocabulary = typeof(PortfolioStore).Assembly.GetExportedTypes()
            .Where(t => !t.IsNested && t.Namespace == Root && !TopLayer.Contains(t.FullName))
            .Select(t => t.FullName!) // a top-level type's name is the same in reflection and Cecil, arity included (Page`1)
            .ToHashSet(StringComparer.Ordinal);
        vocabulary.Should().Contain(["PortfolioGroups.PortfolioRef", "PortfolioGroups.PortfolioFilter", "PortfolioGroups.PortfolioGroupsException"]);

        var offences = Offences(from => vocabulary.Contains(from.FullName), to => IsInAny(to, Services, Repositories, Storage, Migrations));

        offences.Should().BeEmpty("references, filters, changes, pages, results and exceptions are plain values; {0}", Listed(offences));
    }

    [Test]
    public void Rows_reach_storage_only_through_services_and_repository_records()
    {
        var offences = Offences(
            from => Rows.Contains(from.FullName),
            to => to.IsIn(Storage) || (to.IsIn(Repositories) && !to.Name.Split('`')[0].EndsWith("Record", StringComparison.Ordinal)));

        offences.Should().BeEmpty("rows delegate to services and see only the plain records repositories return; {0}", Listed(offences));
    }

    [Test]
    public void Only_the_SQLite_database_class_references_the_SQLite_driver_and_runner()
    {
        var offences = Dependencies
            .Where(d => !d.From.IsOrIsNestedIn(SqliteDatabase) && IsSqlite(d))
            .Select(Pair)
            .Distinct(StringComparer.Ordinal)
            .ToList();

        offences.Should().BeEmpty("what differs for SQLite lives in {0}; {1}", SqliteDatabase, Listed(offences));
        AssemblyReferences.Core.Types.Contains(SqliteDatabase).Should().BeTrue("the rule is about {0}, and passes vacuously without it", SqliteDatabase);
    }

    [Test]
    public void Only_the_PostgreSQL_database_class_references_Npgsql_and_the_PostgreSQL_runner()
    {
        var offences = Dependencies
            .Where(d => !d.From.IsOrIsNestedIn(PostgresDatabase) && IsPostgres(d))
            // The store opens over a caller's data source (one host, or several), and takes nothing else from Npgsql.
            .Where(d => !(d.From.FullName == Store && d.To.FullName is "Npgsql.NpgsqlDataSource" or "Npgsql.NpgsqlMultiHostDataSource"))
            .Select(Pair)
            .Distinct(StringComparer.Ordinal)
            .ToList();

        offences.Should().BeEmpty("what differs for PostgreSQL lives in {0}; {1}", PostgresDatabase, Listed(offences));
        AssemblyReferences.Core.Types.Contains(PostgresDatabase).Should().BeTrue("the rule is about {0}, and passes vacuously without it", PostgresDatabase);
    }

    [Test]
    public void Only_the_store_chooses_a_database_class()
    {
        var offences = Offences(
            from => from.FullName != Store,
            to => to.IsOrIsNestedIn(SqliteDatabase) || to.IsOrIsNestedIn(PostgresDatabase),
            // Each database class may name itself and its nested types; not the other one.
            allowed: (from, to) => to.IsOrIsNestedIn(from.FullName));

        offences.Should().BeEmpty("the store is the composition root, and the rest sees a database only through what the two share; {0}", Listed(offences));
        AssemblyReferences.Core.Types.Contains(SqliteDatabase).Should().BeTrue("the rule is about {0}, and passes vacuously without it", SqliteDatabase);
        AssemblyReferences.Core.Types.Contains(PostgresDatabase).Should().BeTrue("the rule is about {0}, and passes vacuously without it", PostgresDatabase);
    }

    [Test]
    public void Only_the_database_classes_ask_which_database_it_is()
    {
        // A switch or an if on DatabaseKind reads a DatabaseKind value (a parameter, a field or the
        // database's Kind), and each of those references the type; so does a call returning it.
        const string kind = "PortfolioGroups.DatabaseKind";
        var offences = Offences(
            from => from.FullName is not (SqliteDatabase or PostgresDatabase or kind)
                // The base class declares Kind for the two to answer; the store reports it to its users.
                && from.FullName is not ("PortfolioGroups.Storage.Database" or Store),
            to => to.FullName == kind);

        offences.Should().BeEmpty("what differs between the databases is a member of the two database classes, not a branch on {0}; {1}", kind, Listed(offences));
        Dependencies.Should().Contain(d => d.From.FullName == SqliteDatabase && d.To.FullName == kind, "the rule is about {0}, and passes vacuously without it", kind);
    }

    /// <summary>The distinct "type -> referenced type" pairs where a type <paramref name="from"/> picks references a type <paramref name="forbidden"/> picks.</summary>
    private static List<string> Offences(Func<TypeName, bool> from, Func<TypeName, bool> forbidden, Func<TypeName, TypeName, bool>? allowed = null) =>
        Dependencies
            .Where(d => from(d.From) && forbidden(d.To) && !(allowed?.Invoke(d.From, d.To) ?? false))
            .Select(d => $"{d.From.FullName} -> {d.To.FullName}")
            .Distinct(StringComparer.Ordinal)
            .ToList();

    /// <summary>"type -> referenced type", with the method named only when the call, not the type, is what matters.</summary>
    private static string Pair(Dependency d) =>
        d.Member is null || IsSqliteType(d.To) || IsPostgresType(d.To) ? $"{d.From.FullName} -> {d.To.FullName}" : d.ToString();

    private static string Listed(List<string> offences) =>
        $"{offences.Count} references break that:" + string.Concat(offences.Select(o => Environment.NewLine + "    " + o)) + Environment.NewLine;

    private static bool IsTopLayer(TypeName to) => TopLayer.Any(to.IsOrIsNestedIn);

    private static bool IsInAny(TypeName to, params string[] namespaces) => namespaces.Any(to.IsIn);

    private static bool IsSqlite(Dependency d) =>
        IsSqliteType(d.To) || (d.Member == "AddSQLite" && d.To.IsIn("FluentMigrator"));

    private static bool IsSqliteType(TypeName type) =>
        type.IsIn("Microsoft.Data.Sqlite") || IsFluentMigratorPartFor(type, "SQLite");

    private static bool IsPostgres(Dependency d) =>
        IsPostgresType(d.To) || (d.Member?.StartsWith("AddPostgres", StringComparison.Ordinal) == true && d.To.IsIn("FluentMigrator"));

    private static bool IsPostgresType(TypeName type) =>
        type.IsIn("Npgsql") || type.IsIn("NpgsqlTypes") || IsFluentMigratorPartFor(type, "Postgres");

    /// <summary>
    /// FluentMigrator keeps each database in namespaces named after it (<c>...Generators.SQLite</c>,
    /// <c>...Processors.Postgres92</c>, <c>FluentMigrator.Postgres</c>) and builder extension classes
    /// named after it (<c>SQLiteRunnerBuilderExtensions</c>).
    /// </summary>
    private static bool IsFluentMigratorPartFor(TypeName type, string database) =>
        type.IsIn("FluentMigrator")
        && (type.Namespace.Split('.').Any(segment => segment.StartsWith(database, StringComparison.Ordinal))
            || type.FullName.Split('/')[0].Split('.')[^1].StartsWith(database, StringComparison.Ordinal));
}
