using System.CommandLine;

namespace PortfolioGroups.Cli;

/// <summary><c>groups list | add | delete</c>.</summary>
internal static class GroupCommands
{
    public static Command Create()
    {
        var list = new Command("list", "List every group with its member count.");
        list.SetAction(ListAsync);

        var id = new Argument<string>("group") { Description = "The group's unique identifier." };
        var name = new Option<string?>("--name") { Description = "The display name (a new group: default the identifier; an existing group keeps its own when not given)." };
        var description = new Option<string?>("--description") { Description = "What the group is for (an existing group keeps its own when not given)." };
        var add = new Command("add", "Create a group, or change the given fields of the one with this identifier (idempotent; options not given are kept).") { id, name, description };
        add.SetAction((parse, ct) => AddAsync(parse, parse.GetRequiredValue(id), parse.GetValue(name), parse.GetValue(description), ct));

        var ids = new Argument<string[]>("groups") { Description = "The unique identifiers of the groups to delete.", Arity = ArgumentArity.OneOrMore };
        var delete = new Command("delete", "Delete groups (their memberships go with them; the portfolios remain).") { ids };
        delete.SetAction((parse, ct) => DeleteAsync(parse, parse.GetRequiredValue(ids), ct));

        return new Command("groups", "List and edit portfolio groups.") { list, add, delete };
    }

    private static async Task<int> ListAsync(ParseResult parse, CancellationToken ct)
    {
        await using var store = await Settings.OpenAsync(parse, forMigrate: false, ct);
        var counts = await PortfolioGroup.CountPortfoliosAsync(store, cancellationToken: ct);
        var groups = PortfolioGroup.StreamAsync(store, cancellationToken: ct);
        if (Output.IsJson(parse))
        {
            await Output.WriteJsonArrayAsync(
                groups,
                (json, group) =>
                {
                    json.WriteStartObject();
                    json.WriteString("uid", group.Uid);
                    json.WriteString("unique_identifier", group.UniqueIdentifier);
                    json.WriteString("display_name", group.DisplayName);
                    json.WriteString("description", group.Description);
                    json.WriteNumber("members", counts.GetValueOrDefault(group.Uid));
                    json.WritePropertyName("metadata");
                    if (group.Metadata is { } metadata)
                    {
                        metadata.WriteTo(json);
                    }
                    else
                    {
                        json.WriteNullValue();
                    }

                    json.WriteEndObject();
                },
                ct);
            return ExitCodes.Success;
        }

        await Output.Text.WriteLineAsync("group\tmembers\tdisplay name\tdescription");
        await foreach (var group in groups)
        {
            await Output.Text.WriteLineAsync($"{group.UniqueIdentifier}\t{counts.GetValueOrDefault(group.Uid)}\t{group.DisplayName}\t{group.Description}");
        }

        return ExitCodes.Success;
    }

    private static async Task<int> AddAsync(ParseResult parse, string id, string? name, string? description, CancellationToken ct)
    {
        await using var store = await Settings.OpenAsync(parse, forMigrate: false, ct);
        var group = await PortfolioGroup.AddAsync(store, id, name, description, cancellationToken: ct);
        if (Output.IsJson(parse))
        {
            await Output.WriteJsonAsync(
                json =>
                {
                    json.WriteStartObject();
                    json.WriteString("uid", group.Uid);
                    json.WriteString("unique_identifier", group.UniqueIdentifier);
                    json.WriteString("display_name", group.DisplayName);
                    json.WriteString("description", group.Description);
                    json.WriteEndObject();
                    return Task.CompletedTask;
                },
                ct);
        }
        else
        {
            await Output.Text.WriteLineAsync($"Group '{group.UniqueIdentifier}' ({group.DisplayName}) is stored, uid {group.Uid}.");
        }

        return ExitCodes.Success;
    }

    private static async Task<int> DeleteAsync(ParseResult parse, string[] ids, CancellationToken ct)
    {
        await using var store = await Settings.OpenAsync(parse, forMigrate: false, ct);
        var deleted = await PortfolioGroup.BulkDeleteAsync(store, uniqueIdentifiers: ids, cancellationToken: ct);
        await Output.WriteDeletedAsync(parse, deleted, ids, "group", ct);
        return ExitCodes.Success;
    }
}
