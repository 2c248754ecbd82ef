package ingest

import (
	"github.com/ywtg/hub/internal/model"
	"github.com/ywtg/hub/internal/store"
)

type batch = store.Batch

func storeBatchDL(d model.DeadLetter) batch { return batch{DeadLetters: []model.DeadLetter{d}} }

func storeBatchStatus(s model.Status) batch { return batch{Statuses: []model.Status{s}} }
