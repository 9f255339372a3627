package tickets

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Large values (raw mail, attachments) are stored in chunks of chunkSize
// bytes under keys of their own. bbolt keeps at least two keys in a leaf
// and does not split a leaf of four or fewer, so that one huge value
// shares its leaf with the previous huge values: every Put rewrote (and
// read back through the map) up to three earlier messages, and held them
// in page buffers at commit. With chunks, a Put rewrites at most a few
// chunks beside its own. Values stored whole before stay readable: a
// reader looks for the whole value first.
const chunkSize = 1 << 20

var (
	bRawChunks        = []byte("raw_chunks")        // inbound id | chunk n → bytes
	bAttachmentChunks = []byte("attachment_chunks") // attachment id 0x00 chunk n → bytes
)

// putLarge stores v under key in whole when small, else in chunks of
// chunks (with chunkKey(key, n) keys).
func putLarge(whole, chunks *bolt.Bucket, key []byte, v []byte, chunkKey func(key []byte, n uint32) []byte) error {
	if len(v) <= chunkSize {
		return whole.Put(key, v)
	}
	for n := uint32(0); len(v) > 0; n++ {
		c := v[:min(chunkSize, len(v))]
		if err := chunks.Put(chunkKey(key, n), c); err != nil {
			return err
		}
		v = v[len(c):]
	}
	return nil
}

// getLarge reads back what putLarge stored, as a copy; nil when there is
// nothing under key.
func getLarge(whole, chunks *bolt.Bucket, key []byte, chunkKey func(key []byte, n uint32) []byte) []byte {
	if v := whole.Get(key); v != nil {
		return bytes.Clone(v)
	}
	prefix := chunkKey(key, 0)
	prefix = prefix[:len(prefix)-4]
	var out []byte
	c := chunks.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(k) == len(prefix)+4; k, v = c.Next() {
		out = append(out, v...)
	}
	return out
}

// rawChunkKey is inbound id | n, both big-endian: chunks in order.
func rawChunkKey(key []byte, n uint32) []byte {
	return binary.BigEndian.AppendUint32(bytes.Clone(key), n)
}

// attachmentChunkKey is id 0x00 n: no attachment id holds a NUL, so that
// the chunks of "1.1" never run into those of "1.10".
func attachmentChunkKey(key []byte, n uint32) []byte {
	k := append(bytes.Clone(key), 0)
	return binary.BigEndian.AppendUint32(k, n)
}

func (t *boltTx) putRaw(id uint64, raw []byte) error {
	if err := putLarge(t.tx.Bucket(bRaw), t.tx.Bucket(bRawChunks), u64(id), raw, rawChunkKey); err != nil {
		return fmt.Errorf("record raw message: %w", err)
	}
	return nil
}

func (t *boltTx) getRaw(id uint64) []byte {
	return getLarge(t.tx.Bucket(bRaw), t.tx.Bucket(bRawChunks), u64(id), rawChunkKey)
}

func (t *boltTx) putAttachment(id string, data []byte) error {
	return putLarge(t.tx.Bucket(bAttachments), t.tx.Bucket(bAttachmentChunks), []byte(id), data, attachmentChunkKey)
}

func (t *boltTx) getAttachment(id string) []byte {
	return getLarge(t.tx.Bucket(bAttachments), t.tx.Bucket(bAttachmentChunks), []byte(id), attachmentChunkKey)
}
