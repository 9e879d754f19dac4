/* pprofwrite.c - see pprof.h: the writer (pprof.c is the reader).
 *
 * Encoding streams the message element by element through deflate, pointing the
 * protobuf-c structs straight at the profile's arrays where the layouts agree
 * (location ids, values) and building the string table on the way. */
#include "pprof.h"
#include "hindex.h"
#include "outfile.h"
#include "util.h"
#include "profile.pb-c.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef Perftools__Profiles__Profile PbProfile;
typedef Perftools__Profiles__ValueType PbValueType;
typedef Perftools__Profiles__Sample PbSample;
typedef Perftools__Profiles__Label PbLabel;
typedef Perftools__Profiles__Mapping PbMapping;
typedef Perftools__Profiles__Location PbLocation;
typedef Perftools__Profiles__Line PbLine;
typedef Perftools__Profiles__Function PbFunction;

/* ---- string table for the encoder ---- */

struct strtab {
	const char **strs;
	size_t n, cap;
	struct hindex ix;       /* entries are 1 + index into strs */
};

static bool strtab_eq(const void *ctx, size_t entry, const void *key)
{
	const struct strtab *st = ctx;

	return strcmp(st->strs[entry - 1], key) == 0;
}

/* Index of s in the table, adding it if new; NULL is "" (index 0 once added first). */
static int64_t strtab_index(struct strtab *st, const char *s)
{
	uint64_t h;
	size_t e;

	if (!s)
		s = "";
	h = util_hash(s, strlen(s), UTIL_HASH_INIT);
	e = hindex_find(&st->ix, h, strtab_eq, s, st);
	if (e)
		return (int64_t)e - 1;
	if (hindex_reserve(&st->ix) || util_grow(&st->strs, &st->cap, st->n + 1, sizeof(*st->strs)))
		return -ENOMEM;
	st->strs[st->n++] = s;
	hindex_insert(&st->ix, h, st->n);
	return (int64_t)st->n - 1;
}

/* ---- encoder ---- */

/* The message is never built whole: a profile.proto is a sequence of fields, and
 * a repeated field may be written one element at a time, so each sample,
 * mapping, location and function is packed on its own and streamed through
 * deflate.  Memory at exit stays at one element's scratch plus the compressed
 * output, however many samples the profile has. */
struct enc {
	struct strtab st;
	z_stream z;
	int z_ready;
	uint8_t *out;           /* gzip output */
	size_t out_len, out_cap;
	uint8_t *scratch;       /* one packed element */
	size_t scratch_cap;
	PbLabel *lab, **labp;   /* one sample's labels (enc_reserve sizes them) */
	PbLine *line, **linep;  /* one location's lines */
};

static void enc_free(struct enc *e)
{
	free(e->st.strs);
	hindex_free(&e->st.ix);
	if (e->z_ready)
		deflateEnd(&e->z);
	free(e->out);
	free(e->scratch);
	free(e->lab);
	free(e->labp);
	free(e->line);
	free(e->linep);
}

/* Feed len bytes to deflate (flush: Z_NO_FLUSH or Z_FINISH). */
static int enc_write(struct enc *e, const void *buf, size_t len, int flush)
{
	int r;

	e->z.next_in = (Bytef *)buf;
	e->z.avail_in = (uInt)len;
	do {
		if (util_grow(&e->out, &e->out_cap, e->out_len + 65536, 1) < 0)
			return -ENOMEM;
		e->z.next_out = e->out + e->out_len;
		e->z.avail_out = (uInt)(e->out_cap - e->out_len);
		r = deflate(&e->z, flush);
		if (r == Z_STREAM_ERROR)
			return -EIO;
		e->out_len = e->out_cap - e->z.avail_out;
	} while (e->z.avail_in > 0 || (flush == Z_FINISH && r != Z_STREAM_END));
	return 0;
}

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* One length-delimited field: tag, length, then the bytes. */
static int enc_field(struct enc *e, uint32_t field, const void *buf, size_t len)
{
	uint8_t head[20];
	size_t n = put_varint(head, (uint64_t)field << 3 | 2);
	int err;

	n += put_varint(head + n, len);
	err = enc_write(e, head, n, Z_NO_FLUSH);
	return err ? err : enc_write(e, buf, len, Z_NO_FLUSH);
}

/* Pack msg (any protobuf-c message) into the scratch buffer and emit it. */
static int enc_message(struct enc *e, uint32_t field, const ProtobufCMessage *msg)
{
	size_t len = protobuf_c_message_get_packed_size(msg);

	if (util_grow(&e->scratch, &e->scratch_cap, len + 1, 1) < 0)
		return -ENOMEM;
	if (protobuf_c_message_pack(msg, e->scratch) != len)
		return -EIO;
	return enc_field(e, field, e->scratch, len);
}

/* Field numbers of the repeated fields of Profile (profile.proto). */
enum { F_SAMPLE = 2, F_MAPPING = 3, F_LOCATION = 4, F_FUNCTION = 5, F_STRING = 6 };

/* String index into *dst; bails out of the calling function on ENOMEM. */
#define STR(dst, s) do { \
	int64_t i_ = strtab_index(&e->st, (s)); \
	if (i_ < 0) \
		return -ENOMEM; \
	(dst) = i_; \
} while (0)

/* Everything but the repeated elements, as one small message. */
static int enc_header(struct enc *e, const struct profile *p)
{
	PbProfile msg = PERFTOOLS__PROFILES__PROFILE__INIT;
	PbValueType vt[PROFILE_MAX_TYPES + 1], *vtp[PROFILE_MAX_TYPES];
	int64_t *comments;
	int err;

	for (size_t i = 0; i < p->n_types; i++) {
		perftools__profiles__value_type__init(&vt[i]);
		STR(vt[i].type, p->types[i].type);
		STR(vt[i].unit, p->types[i].unit);
		vtp[i] = &vt[i];
	}
	msg.n_sample_type = p->n_types;
	msg.sample_type = vtp;
	perftools__profiles__value_type__init(&vt[PROFILE_MAX_TYPES]);
	STR(vt[PROFILE_MAX_TYPES].type, p->period_type.type);
	STR(vt[PROFILE_MAX_TYPES].unit, p->period_type.unit);
	msg.period_type = &vt[PROFILE_MAX_TYPES];
	msg.period = p->period;
	msg.time_nanos = p->time_nanos;
	msg.duration_nanos = p->duration_nanos;
	if (p->default_sample_type >= 0 && (size_t)p->default_sample_type < p->n_types)
		STR(msg.default_sample_type, p->types[p->default_sample_type].type);
	comments = calloc(p->n_comments ? p->n_comments : 1, sizeof(*comments));
	if (!comments)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_comments; i++) {
		int64_t k = strtab_index(&e->st, p->comments[i]);

		if (k < 0) {
			free(comments);
			return -ENOMEM;
		}
		comments[i] = k;
	}
	msg.n_comment = p->n_comments;
	msg.comment = comments;
	/* Concatenated messages merge: this header and the elements after it
	 * parse as one Profile. */
	err = 0;
	{
		size_t len = perftools__profiles__profile__get_packed_size(&msg);

		if (util_grow(&e->scratch, &e->scratch_cap, len + 1, 1) < 0)
			err = -ENOMEM;
		else if (perftools__profiles__profile__pack(&msg, e->scratch) != len)
			err = -EIO;
		else
			err = enc_write(e, e->scratch, len, Z_NO_FLUSH);
	}
	free(comments);
	return err;
}

static int enc_sample(struct enc *e, const struct profile *p, const struct profile_sample *s)
{
	PbSample ps = PERFTOOLS__PROFILES__SAMPLE__INIT;

	for (size_t j = 0; j < s->n_labels; j++) {
		const struct profile_label *l = &s->labels[j];
		PbLabel *pl = &e->lab[j];

		perftools__profiles__label__init(pl);
		STR(pl->key, l->key);
		if (l->str) {
			STR(pl->str, l->str);
		} else {
			pl->num = l->num;
			if (l->num_unit)
				STR(pl->num_unit, l->num_unit);
		}
		e->labp[j] = pl;
	}
	ps.n_location_id = s->n_locations;
	ps.location_id = s->location_ids;
	ps.n_value = p->n_types;
	ps.value = s->values;
	ps.n_label = s->n_labels;
	ps.label = e->labp;
	return enc_message(e, F_SAMPLE, &ps.base);
}

static int enc_mapping(struct enc *e, const struct profile_mapping *m)
{
	PbMapping pm = PERFTOOLS__PROFILES__MAPPING__INIT;

	pm.id = m->id;
	pm.memory_start = m->start;
	pm.memory_limit = m->limit;
	pm.file_offset = m->offset;
	STR(pm.filename, m->file);
	STR(pm.build_id, m->build_id);
	pm.has_functions = !!m->has_functions;
	pm.has_filenames = !!m->has_filenames;
	pm.has_line_numbers = !!m->has_line_numbers;
	return enc_message(e, F_MAPPING, &pm.base);
}

static int enc_location(struct enc *e, const struct profile_location *l)
{
	PbLocation pl = PERFTOOLS__PROFILES__LOCATION__INIT;

	pl.id = l->id;
	pl.mapping_id = l->mapping_id;
	pl.address = l->address;
	pl.n_line = l->n_lines;
	pl.line = e->linep;
	for (size_t j = 0; j < l->n_lines; j++) {
		perftools__profiles__line__init(&e->line[j]);
		e->line[j].function_id = l->lines[j].function_id;
		e->line[j].line = l->lines[j].line;
		e->linep[j] = &e->line[j];
	}
	return enc_message(e, F_LOCATION, &pl.base);
}

static int enc_function(struct enc *e, const struct profile_function *f)
{
	PbFunction pf = PERFTOOLS__PROFILES__FUNCTION__INIT;

	pf.id = f->id;
	STR(pf.name, f->name);
	STR(pf.system_name, f->system_name);
	STR(pf.filename, f->filename);
	pf.start_line = f->start_line;
	return enc_message(e, F_FUNCTION, &pf.base);
}

/* Scratch arrays big enough for the largest sample and location. */
static int enc_reserve(struct enc *e, const struct profile *p)
{
	size_t max_labels = 1, max_lines = 1;

	for (size_t i = 0; i < p->n_samples; i++)
		if (p->samples[i].n_labels > max_labels)
			max_labels = p->samples[i].n_labels;
	for (size_t i = 0; i < p->n_locations; i++)
		if (p->locations[i].n_lines > max_lines)
			max_lines = p->locations[i].n_lines;
	e->lab = calloc(max_labels, sizeof(*e->lab));
	e->labp = calloc(max_labels, sizeof(*e->labp));
	e->line = calloc(max_lines, sizeof(*e->line));
	e->linep = calloc(max_lines, sizeof(*e->linep));
	return e->lab && e->labp && e->line && e->linep ? 0 : -ENOMEM;
}

int pprof_encode(const struct profile *p, uint8_t **out, size_t *len)
{
	struct enc e = { 0 };
	int err = -ENOMEM;

	*out = NULL;
	*len = 0;
	if (p->n_types > PROFILE_MAX_TYPES)
		return -EINVAL;
	if (deflateInit2(&e.z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	e.z_ready = 1;
	/* pprof requires string_table[0] == "". */
	if (strtab_index(&e.st, "") != 0 || enc_reserve(&e, p) < 0)
		goto fail;
	err = enc_header(&e, p);
	for (size_t i = 0; !err && i < p->n_samples; i++)
		err = enc_sample(&e, p, &p->samples[i]);
	for (size_t i = 0; !err && i < p->n_mappings; i++)
		err = enc_mapping(&e, &p->mappings[i]);
	for (size_t i = 0; !err && i < p->n_locations; i++)
		err = enc_location(&e, &p->locations[i]);
	for (size_t i = 0; !err && i < p->n_functions; i++)
		err = enc_function(&e, &p->functions[i]);
	/* The string table last: only now is every string indexed. */
	for (size_t i = 0; !err && i < e.st.n; i++)
		err = enc_field(&e, F_STRING, e.st.strs[i], strlen(e.st.strs[i]));
	if (!err)
		err = enc_write(&e, NULL, 0, Z_FINISH);
	if (err)
		goto fail;
	*out = e.out;
	*len = e.out_len;
	e.out = NULL;
fail:
	enc_free(&e);
	return err;
}

/* ---- files ---- */

int pprof_write_file(const struct profile *p, const char *path)
{
	uint8_t *buf = NULL;
	size_t len;
	int err;

	err = pprof_encode(p, &buf, &len);
	if (!err)
		err = outfile_write(path, buf, len);
	free(buf);
	return err;
}
