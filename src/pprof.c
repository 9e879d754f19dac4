/* pprof.c - see pprof.h: the reader (pprofwrite.c is the writer).
 *
 * Decoding trusts nothing: every string index and every id is checked before
 * use, and file ids (any non-zero numbers) are renumbered to our dense 1-based
 * ids. */
#include "pprof.h"
#include "util.h"
#include "profile.pb-c.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef Perftools__Profiles__Profile PbProfile;
typedef Perftools__Profiles__Sample PbSample;
typedef Perftools__Profiles__Label PbLabel;
typedef Perftools__Profiles__Mapping PbMapping;
typedef Perftools__Profiles__Location PbLocation;
typedef Perftools__Profiles__Function PbFunction;

/* calloc that never returns NULL for an empty array, so NULL means ENOMEM. */
static void *alloc_array(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

/* Inflate in (a whole gzip stream) into out (cap bytes; NULL: count only).
 * The count of bytes it inflates to, -EFBIG as soon as that passes max, or
 * -EINVAL / -ENOMEM. */
static int64_t inflate_into(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t max)
{
	uint8_t scratch[65536];
	z_stream zs = { 0 };
	int64_t err;
	int zr;

	/* zlib counts in uInt; a profile larger than 4 GiB compressed is not one. */
	if (len > (uInt)-1)
		return -EFBIG;
	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		return -ENOMEM;
	zs.next_in = (Bytef *)in;
	zs.avail_in = len;
	for (;;) {
		size_t room = out ? cap - zs.total_out : sizeof(scratch);

		if (room > (uInt)-1)
			room = (uInt)-1;
		zs.next_out = out ? out + zs.total_out : scratch;
		zs.avail_out = room;
		zr = inflate(&zs, Z_NO_FLUSH);
		if (zs.total_out > max) {
			err = -EFBIG;
			break;
		}
		if (zr == Z_STREAM_END) {
			err = (int64_t)zs.total_out;
			break;
		}
		/* Z_BUF_ERROR with output room left means the input ended early; a
		 * full output buffer on the second pass means the data changed. */
		if (zr == Z_MEM_ERROR || (zr != Z_OK && !(zr == Z_BUF_ERROR && zs.avail_out == 0)) ||
		    (out && zs.total_out == cap)) {
			err = zr == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
			break;
		}
	}
	inflateEnd(&zs);
	return err;
}

/* A gzip bomb must cost no memory: the first pass only counts, and stops at
 * max; the second inflates into a buffer of exactly the size counted. */
static int gunzip_buf(const uint8_t *in, size_t len, size_t max, uint8_t **out, size_t *out_len)
{
	int64_t n = inflate_into(in, len, NULL, 0, max), got;
	uint8_t *buf;

	*out = NULL;
	*out_len = 0;
	if (n < 0)
		return (int)n;
	buf = malloc((size_t)n + 1);
	if (!buf)
		return -ENOMEM;
	got = inflate_into(in, len, buf, (size_t)n + 1, max);
	if (got != n) {
		free(buf);
		return got < 0 ? (int)got : -EINVAL;
	}
	*out = buf;
	*out_len = (size_t)n;
	return 0;
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
	util_sort(m, n, sizeof(*m), idmap_cmp);
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

/* Sample values count something (time, events, bytes) and cannot be
 * negative; a negative total would turn every share and percentage upside
 * down.  The one exception is a difference profile (pprof's -diff_base
 * convention): the base profile's samples carry the label pprof::base=true
 * and their values negated. */
static int values_allowed(const struct dec *d, const PbSample *s)
{
	size_t i;

	for (i = 0; i < s->n_value && s->value[i] >= 0; i++)
		;
	if (i == s->n_value)
		return 1;
	for (size_t j = 0; j < s->n_label; j++) {
		const char *k = dec_str(d, s->label[j]->key), *v = dec_str(d, s->label[j]->str);

		if (k && v && s->label[j]->str && !strcmp(k, "pprof::base") && !strcmp(v, "true"))
			return 1;
	}
	return 0;
}

static int dec_samples(struct dec *d)
{
	const PbProfile *msg = d->msg;

	for (size_t i = 0; i < msg->n_sample; i++) {
		const PbSample *s = msg->sample[i];
		int err;

		if (s->n_value != d->p->n_types)
			return -EINVAL;
		if (!values_allowed(d, s))
			return -ERANGE;
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
	return pprof_decode_max(buf, len, PPROF_MAX_SIZE, out);
}

int pprof_decode_max(const void *buf, size_t len, size_t max_size, struct profile **out)
{
	const uint8_t *b = buf;
	uint8_t *raw = NULL;
	size_t raw_len = len;
	struct dec d = { 0 };
	int err;

	*out = NULL;
	if (len >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
		err = gunzip_buf(b, len, max_size, &raw, &raw_len);
		if (err)
			goto out;
		b = raw;
	} else if (len > max_size) {
		err = -EFBIG;
		goto out;
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

int pprof_read_file(const char *path, struct profile **out)
{
	return pprof_read_file_max(path, PPROF_MAX_SIZE, out);
}

int pprof_read_file_max(const char *path, size_t max_size, struct profile **out)
{
	char *buf;
	size_t len;
	int err;

	*out = NULL;
	/* Compressed data is smaller than what it inflates to: a file larger than
	 * the cap is refused before it is read whole. */
	err = util_read_file_max(path, max_size, &buf, &len);
	if (err)
		return err;
	err = pprof_decode_max(buf, len, max_size, out);
	free(buf);
	return err;
}

const char *pprof_strerror(int err)
{
	switch (err) {
	case -EINVAL:
		return "not a pprof profile (malformed, truncated or another format)";
	case -EFBIG:
		return "larger than the size limit uncompressed (--max-size)";
	case -ERANGE:
		return "a negative sample value (only the base samples of a difference profile, "
		       "labelled pprof::base=true, may have one)";
	default:
		return util_strerror(err);
	}
}
