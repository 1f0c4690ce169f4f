using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using PortfolioGroups.Tests.Scripts;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Packaging;

/// <summary>
/// Opens every package the solution packs (as CI packs it: Release, CI=true) and holds it to what a
/// user needs: README, license, description, XML docs, symbols whose PDBs name no path of the
/// build machine, and the repository it came from when the build had a git remote.
/// </summary>
public sealed class PackageContentTests
{
    private static readonly TimeSpan GitTimeout = TimeSpan.FromMinutes(1);

    [Test]
    public async Task Every_shipping_project_is_packed()
    {
        var packed = await PackedPackages.GetAsync();

        var shipping = Directory.EnumerateFiles(Path.Combine(RepositoryFiles.Root(), "src"), "*.csproj", SearchOption.AllDirectories)
            .Select(Path.GetFileNameWithoutExtension)
            .Order(StringComparer.Ordinal);
        packed.Ids.Should().Equal(shipping, "every project under src/ ships as a package of the same name");
    }

    [Test]
    public async Task Every_package_has_a_readme_license_description_and_xml_docs()
    {
        var packed = await PackedPackages.GetAsync();

        foreach (var path in packed.Packages)
        {
            using var package = ZipFile.OpenRead(path);
            var metadata = Metadata(package);
            var name = Path.GetFileName(path);

            var readme = Element(metadata, "readme")?.Value;
            readme.Should().NotBeNullOrEmpty($"{name} names its README");
            Text(package, readme!).Should().Contain("#", $"{name}'s README is packed and has a heading");
            (Element(metadata, "license")?.Value).Should().Be("MIT", $"{name} carries its license expression");
            (Element(metadata, "description")?.Value).Should().NotBeNullOrWhiteSpace($"{name} has a description");
            (Element(metadata, "authors")?.Value).Should().NotBeNullOrWhiteSpace($"{name} has authors");

            var own = OwnAssemblies(package, PackedPackages.IdOf(path, packed.Version));
            own.Should().NotBeEmpty($"{name} carries its own assembly");
            foreach (var dll in own)
            {
                package.GetEntry(Path.ChangeExtension(dll, ".xml")).Should().NotBeNull($"{name} carries the XML docs of {dll}");
            }
        }
    }

    [Test]
    public async Task Every_package_has_symbols_whose_paths_are_mapped_away_from_the_build_machine()
    {
        var packed = await PackedPackages.GetAsync();
        var root = RepositoryFiles.Root().TrimEnd('/');

        foreach (var path in packed.Packages)
        {
            var symbolsPath = Path.ChangeExtension(path, ".snupkg");
            File.Exists(symbolsPath).Should().BeTrue($"{Path.GetFileName(path)} has a symbol package beside it");
            using var package = ZipFile.OpenRead(path);
            using var symbols = ZipFile.OpenRead(symbolsPath);

            foreach (var dll in OwnAssemblies(package, PackedPackages.IdOf(path, packed.Version)))
            {
                var pdbEntry = symbols.GetEntry(Path.ChangeExtension(dll, ".pdb"));
                pdbEntry.Should().NotBeNull($"{Path.GetFileName(symbolsPath)} carries the PDB of {dll}");

                using var pdbProvider = MetadataReaderProvider.FromPortablePdbStream(Copy(pdbEntry!), MetadataStreamOptions.PrefetchMetadata);
                var pdb = pdbProvider.GetMetadataReader();
                var documents = pdb.Documents.Select(d => pdb.GetString(pdb.GetDocument(d).Name)).ToList();
                documents.Should().NotBeEmpty();
                documents.Should().OnlyContain(d => d.StartsWith("/_/", StringComparison.Ordinal), $"the PDB of {dll} maps every source to /_/ (ContinuousIntegrationBuild)");
                documents.Should().NotContain(d => d.Contains(root, StringComparison.Ordinal));

                using var peReader = new PEReader(Copy(package.GetEntry(dll)!));
                var codeView = peReader.ReadDebugDirectory().Where(e => e.Type == DebugDirectoryEntryType.CodeView).Select(peReader.ReadCodeViewDebugDirectoryData).ToList();
                codeView.Should().ContainSingle().Which.Path.Should().StartWith("/_/", $"{dll} names its PDB by a mapped path");
            }
        }
    }

    [Test]
    public async Task Every_package_names_its_repository_exactly_when_the_build_has_a_git_remote()
    {
        var packed = await PackedPackages.GetAsync();
        var root = RepositoryFiles.Root();
        // SourceLink names a repository for a hosted remote (a URL or user@host:path); a remote that
        // is a folder on this machine (a local clone's origin, as on CI) is no repository to point at.
        var remotes = string.Join(
            "\n",
            await Task.WhenAll((await Git(root, "remote")).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(async remote => (await Git(root, "remote", "get-url", remote)).Trim())));
        remotes = string.Join("\n", remotes.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(IsHostedUrl));
        var head = (await Git(root, "rev-parse", "HEAD")).Trim();

        foreach (var path in packed.Packages)
        {
            using var package = ZipFile.OpenRead(path);
            var repository = Element(Metadata(package), "repository");
            var name = Path.GetFileName(path);
            if (string.IsNullOrWhiteSpace(remotes))
            {
                repository.Should().BeNull($"{name} was packed where git has no hosted remote, so it names no repository");
            }
            else
            {
                repository.Should().NotBeNull($"{name} was packed where git has a hosted remote");
                (repository!.Attribute("url")?.Value).Should().NotBeNullOrWhiteSpace();
                (repository.Attribute("commit")?.Value).Should().Be(head, $"{name} names the commit it was packed from");
            }
        }
    }

    private static bool IsHostedUrl(string url) =>
        (url.Contains("://", StringComparison.Ordinal) && !url.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        || System.Text.RegularExpressions.Regex.IsMatch(url, "^[^/@]+@[^/:]+:");

    private static async Task<string> Git(string root, params string[] arguments)
    {
        var git = await ChildProcess.RunAsync("git", arguments, root, GitTimeout);
        git.ExitCode.Should().Be(0, git.ToString());
        return git.Output;
    }

    private static XElement Metadata(ZipArchive package)
    {
        var nuspec = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/', StringComparison.Ordinal));
        using var stream = nuspec.Open();
        var document = XDocument.Load(stream);
        return document.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    private static XElement? Element(XElement metadata, string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name);

    private static string Text(ZipArchive package, string entry)
    {
        var found = package.GetEntry(entry);
        found.Should().NotBeNull($"the package has {entry}");
        using var reader = new StreamReader(found!.Open());
        return reader.ReadToEnd();
    }

    /// <summary>The package's own assemblies (named like the package), in lib/ or, for a tool, tools/.</summary>
    private static List<string> OwnAssemblies(ZipArchive package, string id) =>
        [.. package.Entries
            .Where(e => (e.FullName.StartsWith("lib/", StringComparison.Ordinal) || e.FullName.StartsWith("tools/", StringComparison.Ordinal))
                && string.Equals(e.Name, id + ".dll", StringComparison.Ordinal))
            .Select(e => e.FullName)];

    private static MemoryStream Copy(ZipArchiveEntry entry)
    {
        var memory = new MemoryStream();
        using (var stream = entry.Open())
        {
            stream.CopyTo(memory);
        }

        memory.Position = 0;
        return memory;
    }
}
