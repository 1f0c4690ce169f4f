using FluentMigrator;

namespace PortfolioGroups.Migrations;

/// <summary>Creates portfoliogroups_catalog, the table that describes the MetaTables from inside the database.</summary>
/// <remarks>Shipped: never edit; change the schema in a new migration.</remarks>
[Migration(Version, "Create portfoliogroups_catalog")]
internal sealed class M2026112302_CreateCatalog(MigrationTarget target) : Migration
{
    public const long Version = 2026112302;

    public override void Up()
    {
        Create.Table("portfoliogroups_catalog").InSchema(target.Schema)
            .WithColumn("meta_table_identifier").AsString(255).NotNullable().PrimaryKey("pk_portfoliogroups_catalog")
            .WithColumn("physical_name").AsString(255).NotNullable()
            .WithColumn("description").AsString().NotNullable()
            .WithColumn("columns_json").AsCustom(target.JsonType).NotNullable()
            .WithColumn("schema_version").AsInt64().NotNullable();
    }

    public override void Down()
    {
        Delete.Table("portfoliogroups_catalog").InSchema(target.Schema);
    }
}
