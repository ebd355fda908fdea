package schema

import (
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Builtin describes a built-in KQL function: a scalar function, an aggregation
// (usable in summarize, make-series, top-nested) or a window function (needs a
// serialized row set).
//
// Arities are those of the Kusto Query Language reference; where the reference
// allows optional arguments the maximum covers them, and where unsure the range is
// generous on purpose: a false "wrong number of arguments" is worse than a missed one.
type Builtin struct {
	Name             string
	MinArgs, MaxArgs int // MaxArgs -1: variadic
	Aggregate        bool
	Window           bool // row_number, prev, next, row_cumsum...: need serialized input
	Star             bool // accepts * as an argument: arg_max(TimeGenerated, *), take_any(*)
	Tabular          bool // the argument is a tabular expression (toscalar, materialize)
	Returns          Type // "" when it depends on the arguments
	ArgTypes         []Type
}

// builtinSpec lists the functions, one per line:
//
//	name min max returns flags argtypes
//
// max "*" is variadic; returns and argtypes "-" are unknown/any; flags: a aggregate,
// w window, s star allowed, t tabular argument, "-" none; argtypes are comma-separated
// ("" entries for any).
//
// Deprecated aliases the service still accepts are listed under their own names,
// next to the current function, as the reference pages name them ("Deprecated
// aliases: ..."): datepart (datetime_part), extractall (extract_all), extractjson
// (extract_json), parsejson (parse_json), parseurl (parse_url), parseurlquery
// (parse_urlquery), makelist/makeset (make_list/make_set), make_dictionary
// (make_bag), pack (bag_pack), any/anyif (take_any/take_anyif), weekofyear
// (week_of_year), columnifexists (column_ifexists), base64_encodestring and
// base64_decodestring (base64_encode_tostring, base64_decode_tostring), replace
// (replace_regex), merge_tdigest (tdigest_merge), iif (iff), array_iif (array_iff).
const builtinSpec = `
# binary
binary_and 2 2 long - -
binary_not 1 1 long - -
binary_or 2 2 long - -
binary_shift_left 2 2 long - -
binary_shift_right 2 2 long - -
binary_xor 2 2 long - -
bitset_count_ones 1 1 long - -
# conversion
tobool 1 1 bool - -
toboolean 1 1 bool - -
todatetime 1 1 datetime - -
todecimal 1 1 decimal - -
todouble 1 1 real - -
toreal 1 1 real - -
toguid 1 1 guid - -
toint 1 1 int - -
tolong 1 1 long - -
tostring 1 1 string - -
totimespan 1 1 timespan - -
todynamic 1 1 dynamic - -
toobject 1 1 dynamic - -
tohex 1 2 string - -
parse_json 1 1 dynamic - -
parsejson 1 1 dynamic - -
parse_xml 1 1 dynamic - string
parse_csv 1 1 dynamic - string
parse_url 1 1 dynamic - string
parse_urlquery 1 1 dynamic - string
parseurl 1 1 dynamic - string
parseurlquery 1 1 dynamic - string
parse_path 1 1 dynamic - string
parse_user_agent 2 2 dynamic - string
parse_version 1 1 decimal - string
parse_command_line 2 2 dynamic - string,string
parse_ipv4 1 1 long - string
parse_ipv4_mask 2 2 long - string
parse_ipv6 1 1 string - string
parse_ipv6_mask 2 2 string - string
dynamic_to_json 1 1 string - -
to_utf8 1 1 dynamic - string
unicode_codepoints_from_string 1 1 dynamic - string
unicode_codepoints_to_string 1 * string - -
make_string 1 * string - -
gettype 1 1 string - -
# datetime and timespan
ago 1 1 datetime - timespan
now 0 1 datetime - timespan
datetime_add 3 3 datetime - string,,datetime
datetime_part 2 2 int - string,datetime
datepart 2 2 int - string,datetime
datetime_diff 3 3 long - string,datetime,datetime
datetime_local_to_utc 2 2 datetime - datetime,string
datetime_utc_to_local 2 2 datetime - datetime,string
datetime_list_timezones 0 0 dynamic - -
dayofmonth 1 1 int - datetime
dayofweek 1 1 timespan - datetime
dayofyear 1 1 int - datetime
hourofday 1 1 int - datetime
getmonth 1 1 int - datetime
getyear 1 1 int - datetime
monthofyear 1 1 int - datetime
weekofyear 1 1 int - datetime
week_of_year 1 1 int - datetime
startofday 1 2 datetime - datetime
startofweek 1 2 datetime - datetime
startofmonth 1 2 datetime - datetime
startofyear 1 2 datetime - datetime
endofday 1 2 datetime - datetime
endofweek 1 2 datetime - datetime
endofmonth 1 2 datetime - datetime
endofyear 1 2 datetime - datetime
format_datetime 2 2 string - datetime,string
format_timespan 2 2 string - timespan,string
make_datetime 1 7 datetime - -
make_timespan 1 5 timespan - -
unixtime_seconds_todatetime 1 1 datetime - -
unixtime_milliseconds_todatetime 1 1 datetime - -
unixtime_microseconds_todatetime 1 1 datetime - -
unixtime_nanoseconds_todatetime 1 1 datetime - -
ingestion_time 0 0 datetime - -
bin 2 2 - - -
bin_at 3 3 - - -
bin_auto 1 1 - - -
floor 2 2 - - -
# string
base64_encode_tostring 1 1 string - -
base64_encodestring 1 1 string - -
base64_decode_tostring 1 1 string - string
base64_decodestring 1 1 string - string
base64_decode_toarray 1 1 dynamic - string
base64_decode_toguid 1 1 guid - string
base64_encode_fromarray 1 1 string - dynamic
base64_encode_fromguid 1 1 string - guid
countof 2 3 long - string,string,string
extract 3 4 - - string,,string
extract_all 2 3 dynamic - -
extractall 2 3 dynamic - -
extract_json 2 3 - - string,,
extractjson 2 3 - - string,,
has_any_index 2 2 long - -
indexof 2 5 int - -
indexof_regex 2 4 int - -
isascii 1 1 bool - -
isempty 1 1 bool - -
isnotempty 1 1 bool - -
notempty 1 1 bool - -
isnull 1 1 bool - -
isnotnull 1 1 bool - -
notnull 1 1 bool - -
isutf8 1 1 bool - -
new_guid 0 0 guid - -
replace 3 3 string - -
replace_regex 3 3 string - -
replace_string 3 3 string - -
replace_strings 3 3 string - -
reverse 1 1 string - -
split 2 3 dynamic - -
strcat 1 64 string - -
strcat_delim 2 65 string - -
strcat_array 2 2 string - dynamic,string
strcmp 2 2 int - string,string
strlen 1 1 long - -
string_size 1 1 long - -
strrep 2 3 string - -
substring 2 3 string - ,,
tolower 1 1 string - -
toupper 1 1 string - -
translate 3 3 string - string,string,string
trim 2 2 string - string,
trim_start 2 2 string - string,
trim_end 2 2 string - string,
url_decode 1 1 string - string
url_encode 1 1 string - string
url_encode_component 1 1 string - string
format_bytes 1 3 string - -
regex_quote 1 1 string - string
hash 1 2 long - -
hash_combine 2 64 long - -
hash_many 1 64 long - -
hash_md5 1 1 string - -
hash_sha1 1 1 string - -
hash_sha256 1 1 string - -
hash_xxhash64 1 2 long - -
hash_crc32 1 2 long - -
zlib_compress_to_base64_string 1 1 string - string
zlib_decompress_from_base64_string 1 1 string - string
gzip_compress_to_base64_string 1 1 string - string
gzip_decompress_from_base64_string 1 1 string - string
punycode_from_string 1 1 string - string
punycode_to_string 1 1 string - string
punycode_domain_from_string 1 1 string - string
punycode_domain_to_string 1 1 string - string
# ip addresses
format_ipv4 1 2 string - -
format_ipv4_mask 1 2 string - -
ipv4_compare 2 3 int - -
ipv4_is_in_range 2 2 bool - string,string
ipv4_is_in_any_range 2 * bool - -
ipv4_is_match 2 3 bool - -
ipv4_is_private 1 1 bool - string
ipv4_netmask_suffix 1 1 int - string
ipv4_range_to_cidr_list 2 2 dynamic - string,string
ipv6_compare 2 3 int - -
ipv6_is_match 2 3 bool - -
ipv6_is_in_range 2 2 bool - string,string
ipv6_is_in_any_range 2 * bool - -
has_ipv4 2 2 bool - string,string
has_ipv4_prefix 2 2 bool - string,string
has_any_ipv4 2 * bool - -
has_any_ipv4_prefix 2 * bool - -
geo_info_from_ip_address 1 1 dynamic - string
# dynamic, arrays and property bags
array_concat 1 * dynamic - -
array_iff 3 3 dynamic - -
array_iif 3 3 dynamic - -
array_index_of 2 5 long - -
array_length 1 1 long - -
array_reverse 1 1 dynamic - dynamic
array_rotate_left 2 2 dynamic - dynamic,
array_rotate_right 2 2 dynamic - dynamic,
array_shift_left 2 3 dynamic - dynamic,,
array_shift_right 2 3 dynamic - dynamic,,
array_slice 3 3 dynamic - dynamic,,
array_sort_asc 1 * dynamic - -
array_sort_desc 1 * dynamic - -
array_split 2 2 dynamic - -
array_sum 1 1 real - dynamic
bag_has_key 2 2 bool - dynamic,string
bag_keys 1 1 dynamic - dynamic
bag_merge 1 * dynamic - -
bag_pack 0 * dynamic - -
pack 0 * dynamic - -
pack_dictionary 0 * dynamic - -
bag_pack_columns 1 * dynamic - -
bag_remove_keys 2 2 dynamic - dynamic,dynamic
bag_set_key 3 3 dynamic - -
bag_zip 2 2 dynamic - dynamic,dynamic
pack_all 0 1 dynamic - -
pack_array 0 * dynamic - -
repeat 2 2 dynamic - -
set_difference 2 * dynamic - -
set_has_element 2 2 bool - -
set_intersect 2 * dynamic - -
set_union 2 * dynamic - -
jaccard_index 2 2 real - dynamic,dynamic
treepath 1 1 dynamic - dynamic
zip 2 * dynamic - -
range 2 3 dynamic - -
# logical, conditional and other
iff 3 3 - - bool,,
iif 3 3 - - bool,,
case 3 * - - -
coalesce 1 64 - - -
max_of 1 64 - - -
min_of 1 64 - - -
not 1 1 bool - -
column_ifexists 2 2 - - string,
toscalar 1 1 - t -
materialize 1 1 - t -
table 1 2 - - string,string
database 1 1 - - string
cluster 1 1 - - string
workspace 1 1 - - string
app 1 1 - - string
resource 1 1 - - string
current_cluster_endpoint 0 0 string - -
current_database 0 0 string - -
current_principal 0 0 string - -
current_principal_details 0 0 dynamic - -
current_principal_is_member_of 1 * bool - -
cursor_after 1 1 bool - -
cursor_before_or_at 1 1 bool - -
cursor_current 0 0 string - -
estimate_data_size 1 * long s -
extent_id 0 0 guid - -
extent_tags 0 0 dynamic - -
assert 2 2 bool - bool,string
dcount_hll 1 1 long - -
percentile_tdigest 2 3 - - -
percentile_array_tdigest 2 * dynamic - -
percentrank_tdigest 2 2 real - -
rank_tdigest 2 2 long - -
merge_tdigest 1 * dynamic - -
# math
abs 1 1 - - -
acos 1 1 real - -
asin 1 1 real - -
atan 1 1 real - -
atan2 2 2 real - -
beta_cdf 3 3 real - -
beta_inv 3 3 real - -
beta_pdf 3 3 real - -
ceiling 1 1 - - -
cos 1 1 real - -
cot 1 1 real - -
degrees 1 1 real - -
erf 1 1 real - -
erfc 1 1 real - -
exp 1 1 real - -
exp10 1 1 real - -
exp2 1 1 real - -
gamma 1 1 real - -
isfinite 1 1 bool - -
isinf 1 1 bool - -
isnan 1 1 bool - -
log 1 1 real - -
log10 1 1 real - -
log2 1 1 real - -
loggamma 1 1 real - -
pi 0 0 real - -
pow 2 2 real - -
radians 1 1 real - -
rand 0 1 real - -
round 1 2 - - -
sign 1 1 - - -
sin 1 1 real - -
sqrt 1 1 real - -
tan 1 1 real - -
welch_test 6 7 dynamic - -
# series
series_abs 1 1 dynamic - -
series_acos 1 1 dynamic - -
series_asin 1 1 dynamic - -
series_atan 1 1 dynamic - -
series_ceiling 1 1 dynamic - -
series_cos 1 1 dynamic - -
series_exp 1 1 dynamic - -
series_floor 1 1 dynamic - -
series_log 1 1 dynamic - -
series_sign 1 1 dynamic - -
series_sin 1 1 dynamic - -
series_tan 1 1 dynamic - -
series_add 2 2 dynamic - -
series_subtract 2 2 dynamic - -
series_multiply 2 2 dynamic - -
series_divide 2 2 dynamic - -
series_pow 2 2 dynamic - -
series_equals 2 2 dynamic - -
series_not_equals 2 2 dynamic - -
series_greater 2 2 dynamic - -
series_greater_equals 2 2 dynamic - -
series_less 2 2 dynamic - -
series_less_equals 2 2 dynamic - -
series_cosine_similarity 2 4 real - -
series_dot_product 2 2 real - -
series_magnitude 1 1 real - -
series_sum 1 1 real - -
series_pearson_correlation 2 2 real - -
series_stats 1 2 - - -
series_stats_dynamic 1 2 dynamic - -
series_fill_backward 1 2 dynamic - -
series_fill_const 1 3 dynamic - -
series_fill_forward 1 2 dynamic - -
series_fill_linear 1 4 dynamic - -
series_fir 2 4 dynamic - -
series_iir 3 3 dynamic - -
series_fit_line 1 1 - - -
series_fit_line_dynamic 1 1 dynamic - -
series_fit_2lines 1 1 - - -
series_fit_2lines_dynamic 1 1 dynamic - -
series_fit_poly 1 3 - - -
series_decompose 1 5 - - -
series_decompose_anomalies 1 8 - - -
series_decompose_forecast 2 5 - - -
series_outliers 1 5 dynamic - -
series_periods_detect 4 4 - - -
series_periods_validate 2 * - - -
series_seasonal 1 2 dynamic - -
series_product 1 1 real - -
# geospatial
geo_distance_2points 4 4 real - -
geo_distance_point_to_line 3 3 real - -
geo_distance_point_to_polygon 3 3 real - -
geo_point_in_circle 5 5 bool - -
geo_point_in_polygon 3 3 bool - -
geo_point_to_geohash 2 3 string - -
geo_point_to_s2cell 2 3 string - -
geo_point_to_h3cell 2 3 string - -
geo_geohash_to_central_point 1 1 dynamic - -
geo_geohash_to_polygon 1 1 dynamic - -
geo_s2cell_to_central_point 1 1 dynamic - -
geo_s2cell_to_polygon 1 1 dynamic - -
geo_h3cell_to_central_point 1 1 dynamic - -
geo_h3cell_to_polygon 1 1 dynamic - -
geo_angle 6 6 real - -
geo_azimuth 4 4 real - -
# window (row) functions: serialized input
row_number 0 2 long w -
row_cumsum 1 2 - w -
row_rank_dense 1 2 long w -
row_rank_min 1 2 long w -
row_window_session 4 5 datetime w -
prev 1 3 - w -
next 1 3 - w -
# deprecated spellings the service still accepts
columnifexists 2 2 - - string,
arraylength 1 1 long - -
array_strcat 2 2 string - dynamic,string
row_rank 1 2 long w -
# aggregations
argmax 1 * - as -
argmin 1 * - as -
any 1 * - as -
anyif 2 2 - a -
take_any 1 * - as -
take_anyif 2 2 - a -
arg_max 1 * - as -
arg_min 1 * - as -
avg 1 1 real a -
avgif 2 2 real a ,bool
binary_all_and 1 1 long a -
binary_all_or 1 1 long a -
binary_all_xor 1 1 long a -
buildschema 1 2 dynamic a -
count 0 1 long a -
countif 1 1 long a bool
count_distinct 1 1 long a -
count_distinctif 2 2 long a ,bool
dcount 1 2 long a -
dcountif 2 3 long a ,bool,
hll 1 2 dynamic a -
hll_if 2 3 dynamic a -
hll_merge 1 * dynamic a -
make_bag 1 2 dynamic a -
make_dictionary 1 2 dynamic a -
make_bag_if 2 3 dynamic a -
make_list 1 2 dynamic a -
make_list_if 2 3 dynamic a -
make_list_with_nulls 1 2 dynamic a -
make_set 1 2 dynamic a -
make_set_if 2 3 dynamic a -
makelist 1 2 dynamic a -
makeset 1 2 dynamic a -
max 1 1 - a -
maxif 2 2 - a ,bool
min 1 1 - a -
minif 2 2 - a ,bool
percentile 2 2 - a -
percentiles 2 * - a -
percentiles_array 2 * dynamic a -
percentilew 3 3 - a -
percentilesw 3 * - a -
percentilesw_array 3 * dynamic a -
stdev 1 1 real a -
stdevif 2 2 real a ,bool
stdevp 1 1 real a -
sum 1 1 - a -
sumif 2 2 - a ,bool
tdigest 1 2 dynamic a -
tdigest_merge 1 1 dynamic a -
variance 1 1 real a -
varianceif 2 2 real a ,bool
variancep 1 1 real a -
`

var (
	builtinOnce sync.Once
	builtinMap  map[string]Builtin
	builtinList []Builtin
)

func loadBuiltins() {
	builtinMap = map[string]Builtin{}
	for _, line := range strings.Split(builtinSpec, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 6 {
			panic("kql/schema: bad builtin spec line: " + line)
		}
		b := Builtin{Name: f[0]}
		b.MinArgs, _ = strconv.Atoi(f[1])
		if f[2] == "*" {
			b.MaxArgs = -1
		} else {
			b.MaxArgs, _ = strconv.Atoi(f[2])
		}
		if f[3] != "-" {
			b.Returns = Type(f[3])
		}
		if f[4] != "-" {
			b.Aggregate = strings.Contains(f[4], "a")
			b.Window = strings.Contains(f[4], "w")
			b.Star = strings.Contains(f[4], "s")
			b.Tabular = strings.Contains(f[4], "t")
		}
		if f[5] != "-" {
			for _, t := range strings.Split(f[5], ",") {
				b.ArgTypes = append(b.ArgTypes, Type(t))
			}
		}
		if _, dup := builtinMap[b.Name]; dup {
			panic("kql/schema: duplicate builtin " + b.Name)
		}
		builtinMap[b.Name] = b
		builtinList = append(builtinList, b)
	}
	sort.Slice(builtinList, func(i, j int) bool { return builtinList[i].Name < builtinList[j].Name })
}

// LookupBuiltin returns the built-in function with this exact name (KQL function
// names are case-sensitive). Plugins used with evaluate (bag_unpack, pivot...) are
// not functions: see LookupPlugin.
func LookupBuiltin(name string) (Builtin, bool) {
	builtinOnce.Do(loadBuiltins)
	b, ok := builtinMap[name]
	return b, ok
}

// Builtins returns every built-in function, sorted by name.
func Builtins() []Builtin {
	builtinOnce.Do(loadBuiltins)
	return append([]Builtin(nil), builtinList...)
}

// BuiltinNames returns the names of every built-in function, sorted; aggregate
// selects only aggregations (true) or only non-aggregations (false).
func BuiltinNames(aggregate bool) []string {
	builtinOnce.Do(loadBuiltins)
	var out []string
	for _, b := range builtinList {
		if b.Aggregate == aggregate {
			out = append(out, b.Name)
		}
	}
	return out
}

// AcceptsArgs reports whether n arguments fit b's arity.
func (b Builtin) AcceptsArgs(n int) bool {
	return n >= b.MinArgs && (b.MaxArgs < 0 || n <= b.MaxArgs)
}

// Plugin is a plugin invoked with the evaluate operator.
type Plugin struct {
	Name string
	// OpenSchema: the output columns depend on the data (bag_unpack, pivot), so a
	// validator cannot know them statically.
	OpenSchema bool
}

var plugins = map[string]Plugin{
	"bag_unpack":                        {Name: "bag_unpack", OpenSchema: true},
	"pivot":                             {Name: "pivot", OpenSchema: true},
	"narrow":                            {Name: "narrow"},
	"autocluster":                       {Name: "autocluster", OpenSchema: true},
	"basket":                            {Name: "basket", OpenSchema: true},
	"diffpatterns":                      {Name: "diffpatterns", OpenSchema: true},
	"diffpatterns_text":                 {Name: "diffpatterns_text", OpenSchema: true},
	"ipv4_lookup":                       {Name: "ipv4_lookup", OpenSchema: true},
	"ipv6_lookup":                       {Name: "ipv6_lookup", OpenSchema: true},
	"infer_storage_schema":              {Name: "infer_storage_schema", OpenSchema: true},
	"dcount_intersect":                  {Name: "dcount_intersect", OpenSchema: true},
	"funnel_sequence":                   {Name: "funnel_sequence", OpenSchema: true},
	"funnel_sequence_completion":        {Name: "funnel_sequence_completion", OpenSchema: true},
	"active_users_count":                {Name: "active_users_count", OpenSchema: true},
	"activity_counts_metrics":           {Name: "activity_counts_metrics", OpenSchema: true},
	"activity_engagement":               {Name: "activity_engagement", OpenSchema: true},
	"activity_metrics":                  {Name: "activity_metrics", OpenSchema: true},
	"sliding_window_counts":             {Name: "sliding_window_counts", OpenSchema: true},
	"rolling_percentile":                {Name: "rolling_percentile", OpenSchema: true},
	"session_count":                     {Name: "session_count", OpenSchema: true},
	"sequence_detect":                   {Name: "sequence_detect", OpenSchema: true},
	"schema_merge":                      {Name: "schema_merge", OpenSchema: true},
	"python":                            {Name: "python", OpenSchema: true},
	"r":                                 {Name: "r", OpenSchema: true},
	"sql_request":                       {Name: "sql_request", OpenSchema: true},
	"http_request":                      {Name: "http_request", OpenSchema: true},
	"http_request_post":                 {Name: "http_request_post", OpenSchema: true},
	"cosmosdb_sql_request":              {Name: "cosmosdb_sql_request", OpenSchema: true},
	"mysql_request":                     {Name: "mysql_request", OpenSchema: true},
	"postgresql_request":                {Name: "postgresql_request", OpenSchema: true},
	"azure_digital_twins_query_request": {Name: "azure_digital_twins_query_request", OpenSchema: true},
	"external_data_schema":              {Name: "external_data_schema", OpenSchema: true},
	"preview":                           {Name: "preview", OpenSchema: true},
	"ai_embed_text":                     {Name: "ai_embed_text", OpenSchema: true},
}

// LookupPlugin returns the evaluate plugin with this exact name.
func LookupPlugin(name string) (Plugin, bool) {
	p, ok := plugins[name]
	return p, ok
}

// PluginNames returns the names of the known evaluate plugins, sorted.
func PluginNames() []string {
	out := make([]string, 0, len(plugins))
	for n := range plugins {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
