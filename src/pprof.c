/* pprof.c - see pprof.h.
 *
 * Encoding streams the message element by element through deflate, pointing the
 * protobuf-c structs straight at the profile's arrays where the layouts agree
 * (location ids, values) and building the string table on the way.  Decoding trusts nothing: every string index and every id is checked
 * before use, and file ids (any non-zero numbers) are renumbered to our dense
 * 1-based ids. */
#include "pprof.h"
#include "hindex.h"
#include "util.h"
#include "profile.pb-c.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Inflated profiles beyond this are refused as malformed (a gzip bomb). */
#define PPROF_MAX_RAW ((size_t)1 << 30)

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

/* ---- decoder ---- */

/* calloc that never returns NULL for an empty array, so NULL means ENOMEM. */
static void *alloc_array(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

static int gunzip_buf(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len)
{
	z_stream zs = { 0 };
	uint8_t *buf = NULL, *nb;
	size_t cap = 0;
	int err, zr;

	*out = NULL;
	*out_len = 0;
	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		return -ENOMEM;
	zs.next_in = (Bytef *)in;
	/* zlib counts in uInt; a profile larger than 4 GiB compressed is not one. */
	if (len > (uInt)-1) {
		err = -EINVAL;
		goto out;
	}
	zs.avail_in = len;
	for (;;) {
		if (zs.total_out == cap) {
			size_t ncap = cap ? cap * 2 : (len < 4096 ? 16384 : len * 4);

			if (cap >= PPROF_MAX_RAW) {
				err = -EINVAL;
				goto out;
			}
			if (ncap > PPROF_MAX_RAW)
				ncap = PPROF_MAX_RAW;
			nb = realloc(buf, ncap);
			if (!nb) {
				err = -ENOMEM;
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		zs.next_out = buf + zs.total_out;
		zs.avail_out = cap - zs.total_out;
		zr = inflate(&zs, Z_NO_FLUSH);
		if (zr == Z_STREAM_END)
			break;
		if (zr == Z_MEM_ERROR) {
			err = -ENOMEM;
			goto out;
		}
		/* Z_BUF_ERROR with output room left means the input ended early. */
		if (zr != Z_OK && !(zr == Z_BUF_ERROR && zs.avail_out == 0)) {
			err = -EINVAL;
			goto out;
		}
	}
	*out = buf;
	*out_len = zs.total_out;
	buf = NULL;
	err = 0;
out:
	inflateEnd(&zs);
	free(buf);
	return err;
}

struct idmap {
	uint64_t file_id, id;
};

static int idmap_cmp(const void *a, const void *b)
{
	const struct idmap *x = a, *y = b;

	return x->file_id < y->file_id ? -1 : x->file_id > y->file_id;
}

/* Sort and reject duplicate file ids. */
static int idmap_sort(struct idmap *m, size_t n)
{
	qsort(m, n, sizeof(*m), idmap_cmp);
	for (size_t i = 1; i < n; i++)
		if (m[i].file_id == m[i - 1].file_id)
			return -EINVAL;
	return 0;
}

/* Our id for a file id, or 0 when the file never defined it. */
static uint64_t idmap_get(const struct idmap *m, size_t n, uint64_t file_id)
{
	struct idmap key = { file_id, 0 };
	const struct idmap *hit;

	if (!file_id)
		return 0;
	hit = bsearch(&key, m, n, sizeof(*m), idmap_cmp);
	return hit ? hit->id : 0;
}

struct dec {
	const PbProfile *msg;
	struct profile *p;
	struct idmap *maps, *fns, *locs;
	uint64_t *ids;          /* one sample's location ids */
	struct profile_label *labels;
	size_t cap_ids, cap_labels;
};

/* The string at index idx, or NULL when idx is out of range. */
static const char *dec_str(const struct dec *d, int64_t idx)
{
	if (idx < 0 || (uint64_t)idx >= d->msg->n_string_table)
		return NULL;
	return d->msg->string_table[idx];
}

static int dec_mappings(struct dec *d)
{
	const PbProfile *msg = d->msg;

	for (size_t i = 0; i < msg->n_mapping; i++) {
		const PbMapping *m = msg->mapping[i];
		const char *file = dec_str(d, m->filename), *bid = dec_str(d, m->build_id);
		struct profile_mapping *pm;
		int64_t id;

		if (!m->id || !file || !bid)
			return -EINVAL;
		id = profile_mapping(d->p, m->memory_start, m->memory_limit, m->file_offset,
				     file, bid);
		if (id < 0)
			return (int)id;
		pm = &d->p->mappings[id - 1];
		pm->has_functions |= m->has_functions;
		pm->has_filenames |= m->has_filenames;
		pm->has_line_numbers |= m->has_line_numbers;
		d->maps[i] = (struct idmap){ m->id, (uint64_t)id };
	}
	return idmap_sort(d->maps, msg->n_mapping);
}

static int dec_functions(struct dec *d)
{
	const PbProfile *msg = d->msg;

	for (size_t i = 0; i < msg->n_function; i++) {
		const PbFunction *f = msg->function[i];
		const char *name = dec_str(d, f->name), *sys = dec_str(d, f->system_name);
		const char *file = dec_str(d, f->filename);
		int64_t id;

		if (!f->id || !name || !sys || !file)
			return -EINVAL;
		id = profile_function(d->p, name, sys, file, f->start_line);
		if (id < 0)
			return (int)id;
		d->fns[i] = (struct idmap){ f->id, (uint64_t)id };
	}
	return idmap_sort(d->fns, msg->n_function);
}

static int dec_locations(struct dec *d)
{
	const PbProfile *msg = d->msg;
	struct profile_line *lines = NULL;
	size_t cap = 0;
	int err = 0;

	for (size_t i = 0; i < msg->n_location; i++) {
		const PbLocation *l = msg->location[i];
		uint64_t mid = idmap_get(d->maps, msg->n_mapping, l->mapping_id);
		int64_t id;

		if (!l->id || (l->mapping_id && !mid)) {
			err = -EINVAL;
			goto out;
		}
		if (util_grow(&lines, &cap, l->n_line, sizeof(*lines))) {
			err = -ENOMEM;
			goto out;
		}
		for (size_t j = 0; j < l->n_line; j++) {
			lines[j].function_id = idmap_get(d->fns, msg->n_function,
							 l->line[j]->function_id);
			lines[j].line = l->line[j]->line;
			if (!lines[j].function_id) {
				err = -EINVAL;
				goto out;
			}
		}
		id = profile_add_location(d->p, mid, l->address, lines, l->n_line);
		if (id < 0) {
			err = (int)id;
			goto out;
		}
		d->locs[i] = (struct idmap){ l->id, (uint64_t)id };
	}
	err = idmap_sort(d->locs, msg->n_location);
out:
	free(lines);
	return err;
}

static int dec_samples(struct dec *d)
{
	const PbProfile *msg = d->msg;

	for (size_t i = 0; i < msg->n_sample; i++) {
		const PbSample *s = msg->sample[i];
		int err;

		if (s->n_value != d->p->n_types)
			return -EINVAL;
		if (util_grow(&d->ids, &d->cap_ids, s->n_location_id, sizeof(*d->ids)) ||
		    util_grow(&d->labels, &d->cap_labels, s->n_label, sizeof(*d->labels)))
			return -ENOMEM;
		for (size_t j = 0; j < s->n_location_id; j++) {
			d->ids[j] = idmap_get(d->locs, msg->n_location, s->location_id[j]);
			if (!d->ids[j])
				return -EINVAL;
		}
		for (size_t j = 0; j < s->n_label; j++) {
			const PbLabel *l = s->label[j];
			struct profile_label *pl = &d->labels[j];

			/* pprof: a label is a string one when str is set, numeric otherwise. */
			*pl = (struct profile_label){ .key = dec_str(d, l->key) };
			if (!pl->key || !dec_str(d, l->str) || !dec_str(d, l->num_unit))
				return -EINVAL;
			if (l->str) {
				pl->str = dec_str(d, l->str);
			} else {
				pl->num = l->num;
				pl->num_unit = l->num_unit ? dec_str(d, l->num_unit) : NULL;
			}
		}
		err = profile_add_sample(d->p, &(struct profile_sample){
			.n_locations = s->n_location_id, .location_ids = d->ids,
			.n_labels = s->n_label, .labels = d->labels, .values = s->value });
		if (err)
			return err;
	}
	return 0;
}

static int dec_header(struct dec *d)
{
	const PbProfile *msg = d->msg;
	struct profile *p = d->p;
	const char *dst;
	int err;

	if (msg->n_sample_type > PROFILE_MAX_TYPES)
		return -EINVAL;
	for (size_t i = 0; i < msg->n_sample_type; i++) {
		const char *t = dec_str(d, msg->sample_type[i]->type);
		const char *u = dec_str(d, msg->sample_type[i]->unit);

		if (!t || !u)
			return -EINVAL;
		err = profile_add_type(p, t, u);
		if (err < 0)
			return err;
	}
	if (msg->period_type) {
		const char *t = dec_str(d, msg->period_type->type);
		const char *u = dec_str(d, msg->period_type->unit);

		if (!t || !u)
			return -EINVAL;
		err = profile_set_period(p, t, u, msg->period);
		if (err)
			return err;
	} else {
		p->period = msg->period;
	}
	p->time_nanos = msg->time_nanos;
	p->duration_nanos = msg->duration_nanos;
	if (!dec_str(d, msg->drop_frames) || !dec_str(d, msg->keep_frames))
		return -EINVAL;
	dst = dec_str(d, msg->default_sample_type);
	if (!dst)
		return -EINVAL;
	p->default_sample_type = msg->default_sample_type ? profile_type_index(p, dst) : -1;
	for (size_t i = 0; i < msg->n_comment; i++) {
		const char *c = dec_str(d, msg->comment[i]);

		if (!c)
			return -EINVAL;
		err = profile_add_comment(p, c);
		if (err)
			return err;
	}
	return 0;
}

static int dec_profile(struct dec *d)
{
	const PbProfile *msg = d->msg;
	int err;

	/* pprof's own reader insists on "" first; an empty message has no table. */
	if (!msg->n_string_table || msg->string_table[0][0])
		return -EINVAL;
	d->maps = alloc_array(msg->n_mapping, sizeof(*d->maps));
	d->fns = alloc_array(msg->n_function, sizeof(*d->fns));
	d->locs = alloc_array(msg->n_location, sizeof(*d->locs));
	if (!d->maps || !d->fns || !d->locs)
		return -ENOMEM;
	/* Later sections refer to earlier ones: mappings and functions, then locations. */
	err = dec_header(d);
	if (!err)
		err = dec_mappings(d);
	if (!err)
		err = dec_functions(d);
	if (!err)
		err = dec_locations(d);
	if (!err)
		err = dec_samples(d);
	return err;
}

int pprof_decode(const void *buf, size_t len, struct profile **out)
{
	const uint8_t *b = buf;
	uint8_t *raw = NULL;
	size_t raw_len = len;
	struct dec d = { 0 };
	int err;

	*out = NULL;
	if (len >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
		err = gunzip_buf(b, len, &raw, &raw_len);
		if (err)
			goto out;
		b = raw;
	}
	/* protobuf-c gives NULL for bad wire data and for ENOMEM alike; say EINVAL. */
	d.msg = perftools__profiles__profile__unpack(NULL, raw_len, b);
	if (!d.msg) {
		err = -EINVAL;
		goto out;
	}
	err = profile_new(&d.p);
	if (err)
		goto out;
	err = dec_profile(&d);
	if (err)
		goto out;
	*out = d.p;
	d.p = NULL;
out:
	profile_free(d.p);
	free(d.maps);
	free(d.fns);
	free(d.locs);
	free(d.ids);
	free(d.labels);
	if (d.msg)
		perftools__profiles__profile__free_unpacked((PbProfile *)d.msg, NULL);
	free(raw);
	return err;
}

/* ---- files ---- */

static int write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

int pprof_write_file(const struct profile *p, const char *path)
{
	uint8_t *buf = NULL;
	size_t len, plen = strlen(path);
	char *tmp = NULL;
	int fd = -1, err;

	err = pprof_encode(p, &buf, &len);
	if (err)
		goto out;
	tmp = malloc(plen + 64);
	if (!tmp) {
		err = -ENOMEM;
		goto out;
	}
	/* The temporary file sits next to path so that rename() stays on one file
	 * system and readers see either the old file or the whole new one.  O_EXCL
	 * with a pid-and-attempt name avoids clobbering another writer's file. */
	for (unsigned attempt = 0; fd < 0 && attempt < 100; attempt++) {
		snprintf(tmp, plen + 64, "%s.%ld.%u.tmp", path, (long)getpid(), attempt);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd < 0 && errno != EEXIST) {
			err = -errno;
			goto out;
		}
	}
	if (fd < 0) {
		err = -EEXIST;
		goto out;
	}
	err = write_all(fd, buf, len);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	fd = -1;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
out:
	if (fd >= 0)
		close(fd);
	free(tmp);
	free(buf);
	return err;
}

int pprof_read_file(const char *path, struct profile **out)
{
	char *buf;
	size_t len;
	int err;

	*out = NULL;
	err = util_read_file(path, &buf, &len);
	if (err)
		return err;
	err = pprof_decode(buf, len, out);
	free(buf);
	return err;
}
